"""Run an import from the command line: read the sources, write the records, report.

Rejected records are listed with their place and reason and the rest is still imported; a
source that cannot be read at all (missing, not UTF-8, not the mapping's layout) stops that
source. The summary counts imported / updated / unchanged / rejected records.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from projectgraph.errors import Location
from projectgraph.importers.problems import RecordRejected, Remark, SourceUnreadable
from projectgraph.importers.profile import import_profile
from projectgraph.importers.record import ProjectRecord
from projectgraph.importers.reference import Reference
from projectgraph.importers.tabular import import_tables, load_mapping
from projectgraph.importers.write import STATUSES, ImportReport, RecordWriter
from projectgraph.settings import Settings

SHOWN_REMARKS = 20  # remarks listed one by one; the rest are counted by kind


def _progress(quiet: bool, console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
        transient=True,
    )


def import_profiles(
    paths: list[Path], settings: Settings, out: Path, quiet: bool, console: Console
) -> ImportReport:
    """Import saved profile pages (text or HTML), one record each."""
    report = ImportReport()
    reference = Reference(settings)
    writer = RecordWriter(out, settings.base_iri, report, "profile")
    with _progress(quiet, console) as progress:
        task = progress.add_task("profile pages", total=len(paths))
        for path in paths:
            try:
                try:
                    data = path.read_bytes()
                except OSError as e:
                    raise RecordRejected(Location(path), f"cannot read: {e.strerror}") from e
                try:
                    record, remarks = import_profile(path, data, reference)
                except SourceUnreadable as e:
                    raise RecordRejected(e.place, e.reason) from e
                report.remarks += remarks
                writer.write(record, Location(path))
            except RecordRejected as e:
                report.reject(e)
            progress.advance(task)
    return report


def import_csv(
    paths: list[Path],
    mapping_name: str,
    settings: Settings,
    out: Path,
    quiet: bool,
    console: Console,
) -> ImportReport:
    """Import one tabular export (its projects file and partners file) by a mapping.
    Raises SourceUnreadable when a file cannot be read at all."""
    mapping = load_mapping(mapping_name)
    report = ImportReport()
    writer = RecordWriter(out, settings.base_iri, report, f"csv --mapping {mapping.name}")

    def write(record: ProjectRecord, place: Location) -> None:
        try:
            writer.write(record, place)
        except RecordRejected as e:
            report.reject(e)

    with _progress(quiet, console) as progress:
        task = progress.add_task(f"{mapping.name} projects", total=None)
        import_tables(
            paths,
            mapping,
            Reference(settings),
            write,
            report.reject,
            report.remarks.append,
            lambda n: progress.advance(task, n),
        )
    return report


def print_report(report: ImportReport, console: Console, out: Path) -> None:
    """The rejected records, the remarks (the first ones, then counts by kind), a summary."""
    for error in report.rejected:
        console.print(
            f"rejected: {error.place}: {error.reason}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for remark in report.remarks[:SHOWN_REMARKS]:
        console.print(f"note: {remark}", markup=False, highlight=False, soft_wrap=True)
    rest = report.remarks[SHOWN_REMARKS:]
    if rest:
        kinds = Counter(_kind(r) for r in rest)
        more = "; ".join(f"{n} x {kind}" for kind, n in kinds.most_common())
        console.print(
            f"note: {len(rest)} more: {more}", markup=False, highlight=False, soft_wrap=True
        )
    table = Table(title=f"import into {out}", show_edge=False)
    for status in STATUSES:
        table.add_column(status, justify="right")
    table.add_row(*(str(report.counts[s]) for s in STATUSES))
    console.print(table)


def _kind(remark: Remark) -> str:
    """A remark's kind: its text without the quoted values and codes."""
    words = remark.text.split()
    return " ".join(w for w in words if not any(ch.isdigit() for ch in w) and "'" not in w)
