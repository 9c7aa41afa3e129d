"""``projectgraph synth``: a realistic synthetic data set of N EU projects, written as ordinary
source records (one Turtle file per project, made by :func:`record_turtle` exactly as the
importers make theirs) into a folder, for benchmarks and scale tests.

    synthesize(Path("/tmp/synth"), projects=100_000, seed=1, settings=settings, workers=2)

Nothing in it is real: organisations, names, acronyms and amounts are invented; only the
reference concepts (countries, NUTS regions, roles, programmes, topics) come from the
project's reference tables (``settings.reference_dir``), so every record satisfies the shapes
(no violation, no warning). The distributions and where they come from are in
:mod:`projectgraph.synth.distributions`; the plan is made in :mod:`projectgraph.synth.plan`,
rendered and written in :mod:`projectgraph.synth.records`.

Provenance: each record says it was made by ``projectgraph synth --projects N --seed S`` (its
source "file" is that command line), with the SHA-256 of the parameters (the canonical JSON of
generator, format, projects and seed) as the input checksum.

Determinism: one ``random.Random(seed)`` makes, in the parent process and in order, first the
organisation pool and then the plan of every project (who takes part with which role, the
dates, amounts, topics, names); no global random state, no ``hash()``, no clock. Workers only
render and write the planned records (forked processes, in chunks of :data:`CHUNK`), so
project k's file does not depend on ``workers``, and the same (projects, seed) always gives
byte-identical files. A file whose bytes are already those is not rewritten; others are
written to a temporary file and renamed over the old one (without an fsync per file: see
:mod:`projectgraph.synth.records`). Files of an earlier run with more projects are left in
place (never deleted).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from projectgraph import __version__
from projectgraph.importers.record import SourceInput, sha256
from projectgraph.importers.reference import Reference
from projectgraph.settings import Settings
from projectgraph.synth.plan import SynthError, plan
from projectgraph.synth.records import write_all

FORMAT = 1  # of the generator's output; part of the parameters' checksum
CHUNK = 200  # records a worker renders per task


@dataclass
class SynthReport:
    """What :func:`synthesize` made."""

    projects: int
    participations: int  # partners over all projects
    organisations: int  # distinct organisations in the records (not the pool's size)
    files_written: int  # new or changed files (unchanged ones are not rewritten)
    seconds: float


def synthesize(
    out: Path,
    projects: int,
    seed: int,
    settings: Settings,
    *,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> SynthReport:
    """Write ``projects`` synthetic project records to ``out/{slug}.ttl``.

    The plan (which organisation takes part where, with which role, and every value) is made
    from ``seed`` in this process; ``workers`` processes (forked where the platform can,
    else spawned; with 1 worker, or a single chunk of :data:`CHUNK` records, none: all in
    this process) render and write the records. ``progress`` is called in this process with
    the number of records just done (written or found unchanged), as chunks of them finish.
    Raises :class:`SynthError` for unusable arguments, reference tables or output folder.
    """
    started = time.perf_counter()
    _check_whole("the number of projects", projects, 1)
    _check_whole("the seed", seed, 0)
    _check_whole("the number of workers", workers, 1)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SynthError(f"{out} is a file, not a folder: the records go into a folder")
    reference = Reference(settings)
    source, header = _provenance(projects, seed)
    context, plans = plan(reference, settings.base_iri, out, projects, seed, source, header)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SynthError(f"cannot make the folder {out}: {e}") from e
    chunks = [plans[i : i + CHUNK] for i in range(0, len(plans), CHUNK)]
    try:
        written = write_all(context, chunks, workers, progress)
    except OSError as e:
        raise SynthError(f"cannot write the records into {out}: {e}") from e
    used = {org for p in plans for org, _ in p.partners}
    return SynthReport(
        projects=projects,
        participations=sum(len(p.partners) for p in plans),
        organisations=len(used),
        files_written=written,
        seconds=time.perf_counter() - started,
    )


def _check_whole(what: str, value: object, minimum: int) -> None:
    """Refuse ``value`` unless it is a whole number (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SynthError(f"{what} must be a whole number >= {minimum}, not {value!r}")


def _provenance(projects: int, seed: int) -> tuple[SourceInput, str]:
    """What the records say they were made from (the command line, with the checksum of its
    parameters), and their header comment (with ``{acronym}`` to fill in)."""
    command = f"projectgraph synth --projects {projects} --seed {seed}"
    parameters = {
        "format": FORMAT,
        "generator": __name__,
        "projects": projects,
        "seed": seed,
    }
    source = SourceInput(
        files=(command,),
        media_type="application/json",
        title=f"Synthetic EU projects (not real data), made by `{command}`",
        sha256=sha256(json.dumps(parameters, sort_keys=True).encode("utf-8")),
    )
    header = (
        f"{{acronym}}: synthetic record made by `{command}` (projectgraph {__version__}).\n"
        "Not a real project: generated test data. Running the command again rewrites this file."
    )
    return source, header
