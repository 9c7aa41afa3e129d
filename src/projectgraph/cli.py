"""The ``projectgraph`` command line: one thin function per subcommand.

Every command that reads settings is registered by :func:`settings_command`, which gives it
--root, --set name=value, --base-iri and the flags of the settings it names (their help, default
and bounds from the settings table) and calls it with the resolved Settings.

Exit codes: 0 done (warnings allowed), 1 the data violates the shapes, 2 bad input or settings,
3 a remote SPARQL store failed.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import signal
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from inspect import Parameter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from projectgraph import __version__
from projectgraph.build.assemble import assemble
from projectgraph.errors import (
    EXIT_BAD_INPUT,
    EXIT_NONCONFORMING,
    ProjectGraphError,
    SettingsError,
    display_path,
)
from projectgraph.importers.run import import_csv, import_profiles, print_report
from projectgraph.importers.write import ImportReport
from projectgraph.pipeline import parallel
from projectgraph.pipeline.current import ensure_build
from projectgraph.pipeline.parallel import default_workers
from projectgraph.pipeline.resident import Resident
from projectgraph.pipeline.run import (
    BuildRefused,
    BuildResult,
    build,
    display_stages,
    validate_sources,
)
from projectgraph.pipeline.watch import Changes
from projectgraph.progress import name_process, progress
from projectgraph.publish.releases import (
    difference,
    patch_text,
    read_releases,
    release_line,
)
from projectgraph.serve.local import (
    TABLE,
    QueryCommandError,
    find_query,
    listing,
    parse_params,
    run_local,
    table,
)
from projectgraph.serve.run import run as run_server
from projectgraph.settings import (
    CONFIG_FILE,
    SETTINGS,
    Kind,
    Setting,
    Settings,
    check_url,
    effective,
    load_settings,
    parse_assignments,
    reference_markdown,
    shown,
    toml_block,
)
from projectgraph.sparql.named import load_queries
from projectgraph.synth.generate import CHUNK as SYNTH_CHUNK
from projectgraph.synth.generate import synthesize
from projectgraph.validate.shacl import validate as run_validation

PROJECT_DIST = ".projectgraph/dist"  # a --project folder's build, hidden: never read as records

app = typer.Typer(
    help="Publish EU project data as a validated knowledge graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

RootOption = Annotated[
    Path | None,
    typer.Option("--root", help="Project folder holding projectgraph.toml (default: .)"),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="NAME=VALUE",
        help="Any setting, as name=value (repeatable; lists comma-separated); "
        "projectgraph settings lists them.",
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Processes for the build (default: one per CPU)."),
]
NoBuildOption = Annotated[
    bool,
    typer.Option("--no-build", help="Use --dist as it is: no staleness check, no build."),
]


class ReportFormat(StrEnum):
    """Formats of the validation report."""

    text = "text"
    json = "json"
    ttl = "ttl"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"projectgraph {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Publish EU project data as a validated knowledge graph."""


ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project",
        help="A folder of project records to use instead of the configured ones (e.g. from "
        "projectgraph synth); its build goes to DIR/.projectgraph/dist unless --dist is given.",
    ),
]
_SETTING = {s.name: s for s in SETTINGS}
_FLAG_TYPES: dict[Kind, type] = {Kind.TEXT: str, Kind.PATH: Path, Kind.INT: int, Kind.FLOAT: float}
# by setting, the commands that carry its flag (for the reference page)
FLAG_COMMANDS: dict[str, list[str]] = {}


def _flag(setting: Setting) -> Parameter:
    """A setting's command-line flag, its type, bounds, help and default from the table."""
    kind = _FLAG_TYPES[setting.kind]  # a flag for a list or a switch would need its own form
    bound = int if setting.kind is Kind.INT else float
    option = typer.Option(
        setting.option,
        help=f"{setting.help} (default: {shown(setting.default) or 'empty'})",
        min=None if setting.low is None else bound(setting.low),
        max=None if setting.high is None else bound(setting.high),
    )
    return Parameter(
        setting.name,
        Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[kind | None, option],
    )


def settings_command(
    group: typer.Typer,
    name: str,
    *,
    flags: tuple[str, ...] = (),
    project: bool = False,
    data_on_stdout: bool = False,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command that reads settings: it is called with the resolved Settings first.

    The command gets the options every such command takes: --root, --set, --base-iri, the
    flags of the settings named in ``flags`` and, with ``project``, --project. A settings or
    input error exits with its code; a refused build prints its report first (to stderr when
    stdout carries the command's data).
    """
    flagged = [_SETTING[setting] for setting in ("base_iri", *flags)]
    for setting in flagged:
        FLAG_COMMANDS.setdefault(setting.name, []).append(
            f"{group.info.name} {name}" if group is not app else name
        )
    common = [
        *(_flag(setting) for setting in flagged),
        *(
            [Parameter("project", Parameter.KEYWORD_ONLY, default=None, annotation=ProjectOption)]
            if project
            else []
        ),
        Parameter("assignments", Parameter.KEYWORD_ONLY, default=None, annotation=SetOption),
        Parameter("root", Parameter.KEYWORD_ONLY, default=None, annotation=RootOption),
    ]

    def register(command: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(command, eval_str=True).parameters.values())[1:]

        def run(**given: Any) -> None:
            root, assignments = given.pop("root"), given.pop("assignments") or []
            chosen = {setting.name: given.pop(setting.name) for setting in flagged}
            try:
                settings = _settings(root, given.pop("project", None), assignments, chosen)
                command(settings, **given)
            except BuildRefused as refused:
                (sys.stderr if data_on_stdout else sys.stdout).write(refused.report.to_text())
                raise _fail(refused) from None
            except ProjectGraphError as error:
                raise _fail(error) from None

        functools.update_wrapper(run, command, assigned=("__module__", "__name__", "__doc__"))
        parameters = [p.replace(kind=Parameter.KEYWORD_ONLY) for p in own] + common
        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  # read by typer
        group.command(name)(run)
        return command

    return register


def _settings(
    root: Path | None,
    project: Path | None,
    assignments: list[str],
    flags: dict[str, object],
) -> Settings:
    """The settings from the project's toml, the environment, --set, the flags and --project."""
    values, places = parse_assignments(assignments)
    given = {name: value for name, value in flags.items() if value is not None}
    if project is not None:
        project = project.absolute()
        if not project.is_dir():
            raise ProjectGraphError(f"--project {project}: no such folder")
        given["project_dirs"] = (project,)
        if "dist_dir" not in given and "dist_dir" not in values:
            values["dist_dir"] = project / PROJECT_DIST
            places["dist_dir"] = "--project"
    for setting, value in given.items():
        place = "--project" if setting == "project_dirs" else _SETTING[setting].option
        if setting in values:
            raise SettingsError(f"{place} and {places[setting]} both set {setting}")
        values[setting], places[setting] = value, str(place)
    return load_settings(root, values, places=places)


def _fail(error: ProjectGraphError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(error.exit_code)


@settings_command(app, "build", flags=("dist_dir", "cluster"), project=True)
def build_command(
    settings: Settings,
    workers: WorkersOption = None,
    timings: Annotated[
        bool, typer.Option("--timings", help="Print each stage's time and what was reused.")
    ] = False,
    quiet: QuietOption = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Then build again whenever the records, ontology, shapes, reference data, "
            "named queries or context change, keeping the last build's state in memory; the "
            "running servers of dist/ are switched to each new build. Ctrl-C stops.",
        ),
    ] = False,
) -> None:
    """Validate the graph and publish dumps, VoID/DCAT and checksums into dist/."""
    name_process("pg-build")
    with parallel.cluster(settings.cluster, _cluster_paths(settings)):
        if not watch:
            _say_built(settings, build(settings, quiet=quiet, workers=workers), timings)
            return
        _watch(settings, quiet, workers, timings)


def _say_built(settings: Settings, result: BuildResult, timings: bool) -> None:
    """What ``build`` prints of a build: warnings, its id and size, its release, timings."""
    report, published = result.report, result.published
    if report.counts["Warning"] or report.counts["Info"]:
        sys.stdout.write(report.to_text())
    manifest = published.manifest
    typer.echo(
        f"built {manifest['build_id']}: {manifest['triples']} triples in {len(manifest['graphs'])} "  # type: ignore[arg-type]
        f"graphs -> {display_path(settings.dist_dir)}/ ({report.summary()})"
    )
    if published.release is not None:
        typer.echo(release_line(published.release))
    if published.release_error:
        typer.echo(f"warning: {published.release_error}", err=True)
    if timings:
        typer.echo(display_stages(result))


def _watch(settings: Settings, quiet: bool, workers: int | None, timings: bool) -> None:
    """``build --watch``: build, then again after each burst of changes to the inputs, in
    this process (see :mod:`~projectgraph.pipeline.watch`). A build that fails says why and
    the last good one stays served; the loop goes on until Ctrl-C."""
    from projectgraph.serve.registry import reload, running

    resident = Resident()
    watching = Changes(settings)
    changed: set[Path] = set()
    stopped = signal.signal(signal.SIGTERM, _interrupt)  # as Ctrl-C: a build cleans up
    try:
        while True:
            if changed:
                first = min(changed)
                more = f" and {len(changed) - 1:,} more" if len(changed) > 1 else ""
                typer.echo(f"changed: {display_path(first)}{more}")
            started = time.perf_counter()
            try:
                result = build(settings, quiet=quiet, workers=workers, resident=resident)
            except BuildRefused as refused:
                sys.stdout.write(refused.report.to_text())
                sys.stdout.flush()  # before the error line on stderr, in a log of both
                typer.echo(f"error: {refused}", err=True)
            except ProjectGraphError as error:
                typer.echo(f"error: {error}; dist/ is unchanged", err=True)
            except Exception as error:  # a record gone mid-build, say: said, watched on
                typer.echo(f"error: {type(error).__name__}: {error}; dist/ is unchanged", err=True)
                resident = _fresh(resident)  # what it kept may be what failed
            else:
                _say_built(settings, result, timings)
                typer.echo(f"build took {time.perf_counter() - started:.2f} s")
                if running(settings.dist_dir):  # the servers of dist/ serve the new build
                    with contextlib.suppress(ProjectGraphError):  # each one says why it did not
                        reload(settings.dist_dir, 0, typer.echo)
            typer.echo(f"watching {len(watching.roots)} inputs for changes (Ctrl-C stops)")
            changed = watching.next()
    except KeyboardInterrupt:
        typer.echo("stopped watching")
    finally:
        signal.signal(signal.SIGTERM, stopped)
        watching.close()
        resident.close()


def _fresh(resident: Resident) -> Resident:
    """A new state for the next build, the old one's process stopped."""
    resident.close()
    return Resident()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _cluster_paths(settings: Settings, paths: list[Path] | None = None) -> list[Path]:
    """What the workers of a --cluster build read: the project and its source folders."""
    found = [settings.root, settings.ontology, settings.shapes_dir, settings.reference_dir]
    return [p.absolute() for p in [*found, *settings.project_dirs, *(paths or [])]]


@settings_command(app, "validate", flags=("cluster",), project=True)
def validate_command(
    settings: Settings,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Project records (files or folders) to check (default: the configured ones)."
        ),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Report format.")
    ] = ReportFormat.text,
    whole: Annotated[
        bool,
        typer.Option(
            "--whole",
            help="Run pySHACL once over the whole graph instead of by units in parallel "
            "(same results, much slower on large data; always used for --format ttl).",
        ),
    ] = False,
    workers: WorkersOption = None,
) -> None:
    """Check records against the SHACL shapes; exit 1 on any violation, 0 with warnings only."""
    if whole or output_format == ReportFormat.ttl:
        report = run_validation(assemble(settings, paths or None), settings)
    else:
        with parallel.cluster(settings.cluster, _cluster_paths(settings, paths)):
            report = validate_sources(settings, paths or None, workers=workers)
    render = {
        ReportFormat.text: report.to_text,
        ReportFormat.json: report.to_json,
        ReportFormat.ttl: report.to_turtle,
    }[output_format]
    sys.stdout.write(render())
    if not report.conforms:
        raise typer.Exit(EXIT_NONCONFORMING)


@settings_command(
    app,
    "serve",
    flags=(
        "host",
        "port",
        "store",
        "store_graph",
        "workers",
        "query_timeout",
        "max_rows",
        "max_query_length",
        "dist_dir",
    ),
    project=True,
)
def serve_command(
    settings: Settings, no_build: NoBuildOption = False, quiet: QuietOption = False
) -> None:
    """Build dist/ if it is stale, load it into Oxigraph and serve the SPARQL endpoint."""
    served = ensure_build(settings, quiet=quiet, say=typer.echo, rebuild=not no_build)
    run_server(settings, served, say=typer.echo, log_level="warning" if quiet else "info")


@settings_command(app, "reload", flags=("dist_dir",), project=True)
def reload_command(
    settings: Settings,
    wait: Annotated[
        float,
        typer.Option(min=0, help="Seconds to wait for each server to switch (0: do not wait)."),
    ] = 120.0,
) -> None:
    """Make the running servers of dist/ serve the build it points at now (SIGHUP each, then
    wait until its /health names the build); exits non-zero if one did not switch."""
    from projectgraph.serve.registry import reload

    reload(settings.dist_dir, wait, typer.echo)


@settings_command(app, "publish", flags=("store_graph", "dist_dir"), project=True)
def publish_command(
    settings: Settings,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The store's SPARQL Update endpoint (e.g. Virtuoso's /sparql-auth, Fuseki's "
            "/<dataset>).",
        ),
    ],
    auth: Annotated[
        str | None,
        typer.Option(
            "--auth",
            help="user:password (Basic or Digest, as the store asks); better from the "
            "environment: PROJECTGRAPH_STORE_AUTH, or a token in PROJECTGRAPH_STORE_TOKEN.",
        ),
    ] = None,
    query_endpoint: Annotated[
        str | None,
        typer.Option("--query", help="The store's query endpoint, if not the --to URL."),
    ] = None,
    graph_store: Annotated[
        str | None,
        typer.Option(
            "--graph-store",
            help="The store's Graph Store Protocol endpoint, for faster loads (default: "
            "SPARQL Update INSERT DATA).",
        ),
    ] = None,
    chunk: Annotated[
        int | None,
        typer.Option(
            "--chunk",
            min=1,
            help="Triples per load request (default: 20000 with --graph-store, 2000 with "
            "INSERT DATA: Virtuoso's SPARQL parser ran out of memory near 5000 lines).",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=0.1, help="Seconds to wait for each answer of the store (retried)."
        ),
    ] = 120.0,
    no_build: NoBuildOption = False,
    quiet: QuietOption = False,
) -> None:
    """Load the build into a remote SPARQL store: a new version graph, its triple count
    checked, then the pointer switched (readers never see half a build)."""
    from projectgraph.publish.remote import CHUNK_TRIPLES, UPDATE_CHUNK, publish_build
    from projectgraph.store.client import Endpoints, SparqlStore, credentials

    endpoints = Endpoints(
        query=check_url(query_endpoint or to),
        update=check_url(to),
        graph_store=check_url(graph_store) if graph_store else None,
    )
    served = ensure_build(settings, quiet=quiet, say=typer.echo, rebuild=not no_build)
    store = SparqlStore(endpoints, credentials(auth), timeout=timeout)
    try:
        outcome = publish_build(
            store,
            served,
            settings.store_graph,
            quiet=quiet,
            say=typer.echo,
            chunk_triples=chunk or (CHUNK_TRIPLES if graph_store else UPDATE_CHUNK),
        )
    finally:
        store.close()
    if outcome.loaded:
        done = f"loaded {outcome.triples} triples into {outcome.version}"
        rate = outcome.triples / outcome.seconds if outcome.seconds else 0.0
        done += f" in {outcome.seconds:.1f} s ({rate:,.0f} triples/s)"
    else:
        done = f"{outcome.version} was already complete ({outcome.triples} triples)"
    pointer = "pointer switched" if outcome.switched else "pointer unchanged"
    if outcome.release is not None:
        pointer += f" (release {outcome.release})"
    dropped = f"; dropped {', '.join(outcome.dropped)}" if outcome.dropped else ""
    typer.echo(f"published {served.build_id}: {done}; {pointer}{dropped}")


@settings_command(app, "releases", flags=("dist_dir",), project=True, data_on_stdout=True)
def releases_command(
    settings: Settings,
    as_json: Annotated[
        bool, typer.Option("--json", help="Every release as JSON, with its totals and patch.")
    ] = False,
) -> None:
    """List the releases of dist/: each published build that changed something, numbered,
    dated, with what it changed and its patch (an RDF Patch in changes/)."""
    known = read_releases(settings.dist_dir)
    if as_json:
        sys.stdout.write(json.dumps([r.to_json() for r in known], indent=2) + "\n")
        return
    if not known:
        typer.echo(f"{display_path(settings.dist_dir)}: no releases yet (projectgraph build)")
    for release in known:
        patch = release.patch
        where = f"  {patch['file']} ({patch['bytes']} bytes)" if patch else ""
        typer.echo(f"{release.build_id}  {release_line(release)}{where}")


@settings_command(app, "diff", flags=("dist_dir",), project=True, data_on_stdout=True)
def diff_command(
    settings: Settings,
    start: Annotated[int, typer.Argument(help="The release to start from (a number).")],
    end: Annotated[int, typer.Argument(help="The release to arrive at (a number).")],
) -> None:
    """Print the RDF Patch from release START to release END (either way round): the quads to
    remove and to add, the kept patches between them composed."""
    removed, added = difference(settings.dist_dir, start, end)
    out = sys.stdout.buffer
    out.write(f'H note "from release {start} to release {end}" .\n'.encode())
    out.writelines(patch_text(removed, added))
    out.flush()
    typer.echo(f"{len(removed)} quads removed, {len(added)} added", err=True)


@settings_command(app, "query", flags=("dist_dir",), project=True, data_on_stdout=True)
def query_command(
    settings: Settings,
    name: Annotated[
        str | None, typer.Argument(help="A query of queries/ (projectgraph query --list).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter as name=value (repeatable)."),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="table, json (plain rows / JSON-LD), csv, tsv, srj, xml; graphs: ttl, nt, "
            "jsonld, rdf, nq, trig.",
        ),
    ] = TABLE,
    page: Annotated[
        int | None, typer.Option(help="Page of a paginated query, from 1.", min=1)
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Run this .rq file instead of a named query.")
    ] = None,
    list_queries: Annotated[
        bool, typer.Option("--list", help="List the named queries and their parameters.")
    ] = False,
    no_build: NoBuildOption = False,
) -> None:
    """Run a named query (or --file) against the local build; a table by default."""
    console = Console()
    if list_queries:
        if name or file:
            raise QueryCommandError("--list lists every query: give it alone")
        console.print(listing(load_queries(settings.queries_dir)))
        return
    query = find_query(settings, name, file)
    result = run_local(
        settings,
        query,
        parse_params(param or []),
        page,
        output_format.strip().lower(),
        say=lambda message: typer.echo(message, err=True),
        rebuild=not no_build,
    )
    if output_format.strip().lower() == TABLE:
        console.print(table(result))
        if query.pagination and result.rows is not None and result.rows >= query.pagination:
            typer.echo(f"(page {page or 1}; more with --page {(page or 1) + 1})", err=True)
    else:
        sys.stdout.buffer.write(result.body)
        sys.stdout.flush()


import_app = typer.Typer(
    name="import",
    help="Turn profile pages and spreadsheet exports into project records (data/projects/).",
    no_args_is_help=True,
)
app.add_typer(import_app)
SourcesArgument = Annotated[list[Path], typer.Argument(help="The files to import.")]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Folder the records go to (default: the first project folder)."),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Exit with 2 if any record is rejected.")
]


def _run_import(
    run: Callable[[Path, Console], ImportReport],
    settings: Settings,
    out: Path | None,
    strict: bool,
) -> None:
    """Run one importer into ``out`` (default: the first project folder) and report."""
    console = Console()
    folder = out or settings.project_dirs[0]
    report = run(folder, console)
    print_report(report, console, folder)
    if strict and report.rejected:
        raise typer.Exit(EXIT_BAD_INPUT)


@settings_command(import_app, "profile")
def import_profile_command(
    settings: Settings,
    files: SourcesArgument,
    out: OutOption = None,
    strict: StrictOption = False,
    quiet: QuietOption = False,
) -> None:
    """Import EU Project Profile pages, saved as text or as HTML: one record per page."""
    _run_import(
        lambda folder, console: import_profiles(files, settings, folder, quiet, console),
        settings,
        out,
        strict,
    )


@settings_command(import_app, "csv")
def import_csv_command(
    settings: Settings,
    files: SourcesArgument,
    mapping: Annotated[
        str,
        typer.Option(
            "--mapping", "-m", help="cordis, projects, or the path of a mapping .toml file."
        ),
    ],
    out: OutOption = None,
    strict: StrictOption = False,
    quiet: QuietOption = False,
) -> None:
    """Import a tabular export (a projects file and a partners file) by a column mapping."""
    _run_import(
        lambda folder, console: import_csv(files, mapping, settings, folder, quiet, console),
        settings,
        out,
        strict,
    )


@settings_command(app, "synth")
def synth_command(
    settings: Settings,
    projects: Annotated[int, typer.Option("--projects", "-n", min=1, help="How many projects.")],
    out: Annotated[Path, typer.Option("--out", help="Folder the records go to (a new one).")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same files.")] = 1,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write a realistic synthetic data set of N projects as records, for scale tests
    (build it with --project OUT; it never mixes with the shipped data)."""
    done = [0]

    def advance(step: Callable[[str], None], finished: int) -> None:
        done[0] += finished  # the generator reports each chunk it finishes
        step(f"{done[0]} projects")

    with progress("Synthesising", math.ceil(projects / SYNTH_CHUNK), quiet) as step:
        report = synthesize(
            out.absolute(),
            projects,
            seed,
            settings,
            workers=workers or default_workers(),
            progress=lambda finished: advance(step, finished),
        )
    typer.echo(
        f"wrote {report.files_written} of {report.projects} records to {display_path(out)}/: "
        f"{report.participations} participations of {report.organisations} organisations "
        f"in {report.seconds:.1f} s"
    )


@settings_command(app, "settings")
def settings_command_(
    settings: Settings,
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown", help="Print the settings reference page instead (docs/settings.md)."
        ),
    ] = False,
    toml: Annotated[
        bool,
        typer.Option(
            "--toml", help="Print the commented block of defaults that opens projectgraph.toml."
        ),
    ] = False,
) -> None:
    """Show each setting's value in effect and where it came from (default, projectgraph.toml,
    an environment variable, a flag or --set)."""
    if markdown:
        everywhere = FLAG_COMMANDS["base_iri"]  # the flag every settings command carries
        commands = {
            name: ["every command"] if names == everywhere else names
            for name, names in FLAG_COMMANDS.items()
        }
        sys.stdout.write(reference_markdown(commands))
        return
    if toml:
        sys.stdout.write(toml_block())
        return
    config = str(settings.root / CONFIG_FILE)
    rows = []
    for setting, value, origin in effective(settings):
        if isinstance(value, Path):
            value = display_path(value)
        elif isinstance(value, tuple):
            value = tuple(display_path(v) if isinstance(v, Path) else v for v in value)
        place = display_path(Path(config)) if origin == config else origin
        rows.append((setting.name, shown(value), place))
    widths = [max(len(row[i]) for row in rows) for i in (0, 1)]
    for name, value, place in rows:  # plain aligned text: whole lines, in a pipe too
        typer.echo(f"{name:<{widths[0]}}  {value:<{widths[1]}}  {place}")
