"""Write imported records into a project folder: one Turtle file per project, each written
to a temporary file and renamed over the old one (a reader never sees half a record), and
counted as imported (new), updated (changed bytes) or unchanged (same bytes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from projectgraph import __version__
from projectgraph.errors import Location
from projectgraph.files import write_atomic
from projectgraph.importers.problems import RecordRejected, Remark
from projectgraph.importers.record import ProjectRecord, record_turtle, sha256
from projectgraph.rdf.vocab import EURIO, parse_base

STATUSES = ("imported", "updated", "unchanged", "rejected")
_PROGRAMME = ox.NamedNode(str(EURIO.hasFundingSchemeProgramme))


@dataclass
class ImportReport:
    """What one import did, record by record."""

    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[RecordRejected] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    def reject(self, error: RecordRejected) -> None:
        self.counts["rejected"] += 1
        self.rejected.append(error)


class RecordWriter:
    """Writes records into ``folder``; refuses a second record for the same project in one
    run when its data differs (a duplicate acronym), and a record whose file already holds a
    project of another programme."""

    def __init__(self, folder: Path, base_iri: str, report: ImportReport, command: str) -> None:
        self.folder = folder
        self.command = command
        self.base_iri = base_iri
        self.report = report
        self._seen: dict[str, tuple[str, Location]] = {}  # slug -> digest of its bytes, place

    def write(self, record: ProjectRecord, place: Location) -> None:
        """Write ``record`` (made from ``place``) as ``{folder}/{slug}.ttl``."""
        files = ", ".join(record.source.files) if record.source else "?"
        header = (
            f"{record.acronym}: imported from {files} by `projectgraph import {self.command}` "
            f"(projectgraph {__version__}).\n"
            "Re-importing rewrites this file: put curated additions in data/curated/ instead."
        )
        data = record_turtle(record, self.base_iri, header)
        slug = record.slug
        digest = sha256(data)  # not the bytes: memory must not grow with the export
        earlier = self._seen.get(slug)
        if earlier is not None:
            if earlier[0] == digest:
                return  # the same project twice, identically: nothing to add
            raise RecordRejected(
                place,
                f"duplicate acronym {record.acronym}: {earlier[1]} has a project with this "
                "acronym and different data",
            )
        self._seen[slug] = (digest, place)
        path = self.folder / f"{slug}.ttl"
        try:
            old = path.read_bytes()
        except FileNotFoundError:
            old = None
        if old == data:
            self.report.counts["unchanged"] += 1
            return
        if old is not None and record.programme.iri not in _programmes(old, self.base_iri):
            raise RecordRejected(
                place,
                f"{path} holds another programme's project with the acronym {record.acronym}; "
                "acronyms are the projects' keys, so one of them must be renamed",
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        self.report.counts["updated" if old is not None else "imported"] += 1
        self.report.written.append(path)


def _programmes(data: bytes, base_iri: str) -> set[str]:
    """The programmes an existing record's projects belong to (none if it does not parse)."""
    try:
        triples = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=parse_base(base_iri))
        return {t.object.value for t in triples if t.predicate == _PROGRAMME}
    except SyntaxError:
        return set()
