"""The ``projectgraph`` command line: one thin function per subcommand.

Exit codes: 0 done (warnings allowed), 1 the data violates the shapes, 2 bad input or settings,
3 a remote SPARQL store failed.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from projectgraph import __version__
from projectgraph.build.assemble import assemble
from projectgraph.errors import EXIT_BAD_INPUT, EXIT_NONCONFORMING, ProjectGraphError, display_path
from projectgraph.importers.run import import_csv, import_profiles, print_report
from projectgraph.importers.write import ImportReport
from projectgraph.pipeline.current import ensure_build
from projectgraph.pipeline.parallel import default_workers
from projectgraph.pipeline.run import BuildRefused, build, display_stages, validate_sources
from projectgraph.progress import progress
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
from projectgraph.settings import Settings, check_url, load_settings
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
BaseOption = Annotated[
    str | None,
    typer.Option("--base-iri", help="Base IRI of minted resources (overrides settings)."),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Processes for the build (default: one per CPU)."),
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


def _settings(root: Path | None, project: Path | None = None, **overrides: object) -> Settings:
    if project is not None:
        project = project.absolute()
        if not project.is_dir():
            raise ProjectGraphError(f"--project {project}: no such folder")
        overrides["project_dirs"] = (project,)
        if overrides.get("dist_dir") is None:
            overrides["dist_dir"] = project / PROJECT_DIST
    return load_settings(root, overrides)


def _fail(error: ProjectGraphError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(error.exit_code)


@app.command("build")
def build_command(
    root: RootOption = None,
    base_iri: BaseOption = None,
    dist: Annotated[
        Path | None, typer.Option("--dist", help="Output link (default: dist).")
    ] = None,
    project: ProjectOption = None,
    workers: WorkersOption = None,
    timings: Annotated[
        bool, typer.Option("--timings", help="Print each stage's time and what was reused.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Validate the graph and publish dumps, VoID/DCAT and checksums into dist/."""
    try:
        settings = _settings(root, project, base_iri=base_iri, dist_dir=dist)
        result = build(settings, quiet=quiet, workers=workers)
    except BuildRefused as refused:
        sys.stdout.write(refused.report.to_text())
        raise _fail(refused) from None
    except ProjectGraphError as error:
        raise _fail(error) from None
    report, published = result.report, result.published
    if report.counts["Warning"] or report.counts["Info"]:
        sys.stdout.write(report.to_text())
    manifest = published.manifest
    typer.echo(
        f"built {manifest['build_id']}: {manifest['triples']} triples in {len(manifest['graphs'])} "  # type: ignore[arg-type]
        f"graphs -> {display_path(settings.dist_dir)}/ ({report.summary()})"
    )
    if timings:
        typer.echo(display_stages(result))


@app.command("validate")
def validate_command(
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
    project: ProjectOption = None,
    workers: WorkersOption = None,
    root: RootOption = None,
    base_iri: BaseOption = None,
) -> None:
    """Check records against the SHACL shapes; exit 1 on any violation, 0 with warnings only."""
    try:
        settings = _settings(root, project, base_iri=base_iri)
        if whole or output_format == ReportFormat.ttl:
            report = run_validation(assemble(settings, paths or None), settings)
        else:
            report = validate_sources(settings, paths or None, workers=workers)
    except ProjectGraphError as error:
        raise _fail(error) from None
    render = {
        ReportFormat.text: report.to_text,
        ReportFormat.json: report.to_json,
        ReportFormat.ttl: report.to_turtle,
    }[output_format]
    sys.stdout.write(render())
    if not report.conforms:
        raise typer.Exit(EXIT_NONCONFORMING)


@app.command("serve")
def serve_command(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: 8000).")] = None,
    store: Annotated[
        str | None,
        typer.Option(
            help="On-disk store folder, reused across restarts, or the query endpoint URL of a "
            "remote SPARQL store that holds the build (see publish) (default: in memory)."
        ),
    ] = None,
    graph: Annotated[
        str | None,
        typer.Option("--graph", help="With a store URL: the dataset graph it was published under."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Query worker processes (default: 2).")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Query timeout in seconds (default: 30).")
    ] = None,
    max_rows: Annotated[
        int | None, typer.Option(help="Rows per SELECT, 0 = no limit (default: 10000).")
    ] = None,
    max_query_length: Annotated[
        int | None, typer.Option(help="Longest query, in characters.")
    ] = None,
    dist: Annotated[Path | None, typer.Option(help="The build to serve (default: dist).")] = None,
    project: ProjectOption = None,
    no_build: Annotated[
        bool,
        typer.Option("--no-build", help="Serve --dist as it is: no staleness check, no build."),
    ] = False,
    root: RootOption = None,
    base_iri: BaseOption = None,
    quiet: QuietOption = False,
) -> None:
    """Build dist/ if it is stale, load it into Oxigraph and serve the SPARQL endpoint."""
    try:
        settings = _settings(
            root,
            project,
            base_iri=base_iri,
            host=host,
            port=port,
            store=store,
            store_graph=graph,
            workers=workers,
            query_timeout=timeout,
            max_rows=max_rows,
            max_query_length=max_query_length,
            dist_dir=dist,
        )
        served = ensure_build(settings, quiet=quiet, say=typer.echo, rebuild=not no_build)
        run_server(settings, served, say=typer.echo, log_level="warning" if quiet else "info")
    except BuildRefused as refused:
        sys.stdout.write(refused.report.to_text())
        raise _fail(refused) from None
    except ProjectGraphError as error:
        raise _fail(error) from None


@app.command("reload")
def reload_command(
    dist: Annotated[
        Path | None, typer.Option(help="The build folder the servers serve (default: dist).")
    ] = None,
    wait: Annotated[
        float,
        typer.Option(min=0, help="Seconds to wait for each server to switch (0: do not wait)."),
    ] = 120.0,
    project: ProjectOption = None,
    root: RootOption = None,
) -> None:
    """Make the running servers of dist/ serve the build it points at now (SIGHUP each, then
    wait until its /health names the build); exits non-zero if one did not switch."""
    from projectgraph.serve.registry import reload

    try:
        settings = _settings(root, project, dist_dir=dist)
        reload(settings.dist_dir, wait, typer.echo)
    except ProjectGraphError as error:
        raise _fail(error) from None


@app.command("publish")
def publish_command(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The store's SPARQL Update endpoint (e.g. Virtuoso's /sparql-auth, Fuseki's "
            "/<dataset>).",
        ),
    ],
    graph: Annotated[
        str | None,
        typer.Option(
            "--graph",
            help="Dataset graph IRI: holds the pointer to each build's version graph "
            "(default: <base IRI>/graph/published).",
        ),
    ] = None,
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
    dist: Annotated[Path | None, typer.Option(help="The build to publish (default: dist).")] = None,
    project: ProjectOption = None,
    no_build: Annotated[
        bool,
        typer.Option("--no-build", help="Publish --dist as it is: no staleness check, no build."),
    ] = False,
    root: RootOption = None,
    base_iri: BaseOption = None,
    quiet: QuietOption = False,
) -> None:
    """Load the build into a remote SPARQL store: a new version graph, its triple count
    checked, then the pointer switched (readers never see half a build)."""
    from projectgraph.publish.remote import CHUNK_TRIPLES, UPDATE_CHUNK, publish_build
    from projectgraph.store.client import Endpoints, SparqlStore, credentials

    try:
        settings = _settings(
            root, project, base_iri=base_iri, dist_dir=dist, store=to, store_graph=graph
        )
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
    except ProjectGraphError as error:
        raise _fail(error) from None
    if outcome.loaded:
        done = f"loaded {outcome.triples} triples into {outcome.version}"
        rate = outcome.triples / outcome.seconds if outcome.seconds else 0.0
        done += f" in {outcome.seconds:.1f} s ({rate:,.0f} triples/s)"
    else:
        done = f"{outcome.version} was already complete ({outcome.triples} triples)"
    pointer = "pointer switched" if outcome.switched else "pointer unchanged"
    dropped = f"; dropped {', '.join(outcome.dropped)}" if outcome.dropped else ""
    typer.echo(f"published {served.build_id}: {done}; {pointer}{dropped}")


@app.command("query")
def query_command(
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
    dist: Annotated[Path | None, typer.Option(help="The build to query (default: dist).")] = None,
    project: ProjectOption = None,
    no_build: Annotated[
        bool, typer.Option("--no-build", help="Query --dist as it is: no staleness check.")
    ] = False,
    root: RootOption = None,
    base_iri: BaseOption = None,
) -> None:
    """Run a named query (or --file) against the local build; a table by default."""

    console = Console()
    try:
        settings = _settings(root, project, base_iri=base_iri, dist_dir=dist)
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
    except BuildRefused as refused:
        sys.stderr.write(refused.report.to_text())
        raise _fail(refused) from None
    except ProjectGraphError as error:
        raise _fail(error) from None
    if output_format.strip().lower() == TABLE:
        console.print(table(result))
        if query.pagination and result.rows is not None and result.rows >= query.pagination:
            typer.echo(f"(page {page or 1}; more with --page {(page or 1) + 1})", err=True)
    else:
        sys.stdout.buffer.write(result.body)
        sys.stdout.flush()


import_app = typer.Typer(
    help="Turn profile pages and spreadsheet exports into project records (data/projects/).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
SourcesArgument = Annotated[list[Path], typer.Argument(help="The files to import.")]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Folder the records go to (default: the first project folder)."),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Exit with 2 if any record is rejected.")
]


def _run_import(
    run: Callable[[Settings, Path, Console], ImportReport],
    root: Path | None,
    base_iri: str | None,
    out: Path | None,
    strict: bool,
) -> None:
    """Run one importer into ``out`` (default: the first project folder) and report."""
    console = Console()
    try:
        settings = _settings(root, base_iri=base_iri)
        folder = out or settings.project_dirs[0]
        report = run(settings, folder, console)
    except ProjectGraphError as error:
        raise _fail(error) from None
    print_report(report, console, folder)
    if strict and report.rejected:
        raise typer.Exit(EXIT_BAD_INPUT)


@import_app.command("profile")
def import_profile_command(
    files: SourcesArgument,
    out: OutOption = None,
    strict: StrictOption = False,
    root: RootOption = None,
    base_iri: BaseOption = None,
    quiet: QuietOption = False,
) -> None:
    """Import EU Project Profile pages, saved as text or as HTML: one record per page."""
    _run_import(
        lambda settings, folder, console: import_profiles(files, settings, folder, quiet, console),
        root,
        base_iri,
        out,
        strict,
    )


@import_app.command("csv")
def import_csv_command(
    files: SourcesArgument,
    mapping: Annotated[
        str,
        typer.Option(
            "--mapping", "-m", help="cordis, projects, or the path of a mapping .toml file."
        ),
    ],
    out: OutOption = None,
    strict: StrictOption = False,
    root: RootOption = None,
    base_iri: BaseOption = None,
    quiet: QuietOption = False,
) -> None:
    """Import a tabular export (a projects file and a partners file) by a column mapping."""
    _run_import(
        lambda settings, folder, console: import_csv(
            files, mapping, settings, folder, quiet, console
        ),
        root,
        base_iri,
        out,
        strict,
    )


@app.command("synth")
def synth_command(
    projects: Annotated[int, typer.Option("--projects", "-n", min=1, help="How many projects.")],
    out: Annotated[Path, typer.Option("--out", help="Folder the records go to (a new one).")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same files.")] = 1,
    workers: WorkersOption = None,
    root: RootOption = None,
    base_iri: BaseOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write a realistic synthetic data set of N projects as records, for scale tests
    (build it with --project OUT; it never mixes with the shipped data)."""
    try:
        settings = _settings(root, base_iri=base_iri)
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
    except ProjectGraphError as error:
        raise _fail(error) from None
    typer.echo(
        f"wrote {report.files_written} of {report.projects} records to {display_path(out)}/: "
        f"{report.participations} participations of {report.organisations} organisations "
        f"in {report.seconds:.1f} s"
    )
