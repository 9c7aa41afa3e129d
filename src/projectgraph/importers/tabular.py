"""``projectgraph import csv --mapping NAME FILE...``: tabular exports (a projects file and a
partners file) become project records, by a column mapping declared in a small TOML file.

The shipped mappings are in ``importers/mappings/`` (``cordis``: the CORDIS open-data export;
``projects``: the generic template of ``data/templates/``); ``--mapping`` also takes the path
of a user's own file. Which input is which is told by its header.

Files are streamed: partner rows go to a temporary SQLite database on disk (indexed by
project), then the projects file is read row by row and each project's record is made and
written with its partners, so memory does not grow with the size of the export.
Organisations are one IRI each: by their identifier where the export has one, else by their
normalised name and country; the first row that names an organisation gives its name and
country, and later rows that differ are reported.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from projectgraph.errors import Location
from projectgraph.importers.problems import RecordRejected, Remark, SourceUnreadable, decode
from projectgraph.importers.record import (
    Organisation,
    Partner,
    ProjectRecord,
    SourceInput,
    organisation_slug,
    sha256,
)
from projectgraph.importers.reference import Reference, normalise
from projectgraph.importers.values import ValueProblem, amount, date, flag, url
from projectgraph.rdf.vocab import EURIO, PG, slugify

MAPPINGS = Path(__file__).parent / "mappings"
PROJECT_FIELDS = (
    "key", "acronym", "title", "programme", "start", "end", "total_cost", "eu_contribution",
    "identifier", "abstract", "objective", "topics",
)  # fmt: skip
PARTNER_FIELDS = (
    "project", "organisation_id", "name", "short_name", "country", "region", "role", "cluster",
    "website",
)  # fmt: skip
_REQUIRED_PROJECT = ("key", "acronym", "title", "programme")
_REQUIRED_PARTNER = ("project", "name", "role")
_TEXTS = {"abstract": str(EURIO.abstract), "objective": str(PG.objective)}


@dataclass(frozen=True)
class Mapping:
    """A declared column mapping: field -> column, for the projects and the partners file."""

    name: str
    title: str  # what the export is, in words
    delimiter: str
    organisation_scheme: str
    projects: dict[str, str]
    partners: dict[str, str]


def load_mapping(name_or_path: str) -> Mapping:
    """A shipped mapping by name, or a mapping file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = MAPPINGS / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in MAPPINGS.glob("*.toml")))
        raise SourceUnreadable(Location(Path(name_or_path)), f"no such mapping (shipped: {known})")
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SourceUnreadable(Location(path), f"not a TOML mapping: {e}") from e
    for table, fields, required in (
        ("projects", PROJECT_FIELDS, _REQUIRED_PROJECT),
        ("partners", PARTNER_FIELDS, _REQUIRED_PARTNER),
    ):
        given = spec.get(table)
        if not isinstance(given, dict):
            raise SourceUnreadable(Location(path), f"the mapping has no [{table}] table")
        unknown = sorted(set(given) - set(fields))
        missing = [f for f in required if f not in given]
        if unknown or missing or not all(isinstance(v, str) for v in given.values()):
            raise SourceUnreadable(
                Location(path, field=table),
                f"[{table}]: unknown fields {unknown}, missing {missing} (fields: "
                f"{', '.join(fields)}; each names a column)",
            )
    return Mapping(
        name=path.stem,
        title=str(spec.get("title", path.stem)),
        delimiter=str(spec.get("delimiter", ",")),
        organisation_scheme=str(spec.get("organisation_scheme", "")),
        projects=dict(spec["projects"]),
        partners=dict(spec["partners"]),
    )


@dataclass
class _Table:
    path: Path
    header: list[str]
    columns: dict[str, int]  # field -> column index


def _header(path: Path, mapping: Mapping) -> tuple[str, list[str]]:
    """Which of the mapping's files ``path`` is (by its header), and the header."""
    with path.open("rb") as f:
        head = f.read(1 << 16)
    text = decode(path, head if b"\n" in head else head + b"\n").split("\n", 1)[0]
    header = next(csv.reader([text.lstrip("\ufeff")], delimiter=mapping.delimiter), [])
    header = [h.strip() for h in header]
    # The file is the table whose columns its header has most of (at least half of them).
    scores = {
        table: sum(c in header for c in fields.values()) / len(fields)
        for table, fields in (("projects", mapping.projects), ("partners", mapping.partners))
    }
    table = max(scores, key=lambda t: scores[t])
    if scores[table] < 0.5:
        raise SourceUnreadable(
            Location(path, 1),
            f"neither the projects nor the partners file of mapping {mapping.name}: its header "
            f"has too few of their columns ({', '.join(mapping.projects.values())} / "
            f"{', '.join(mapping.partners.values())})",
        )
    fields = mapping.projects if table == "projects" else mapping.partners
    missing = [c for c in dict.fromkeys(fields.values()) if c not in header]
    if missing:
        raise SourceUnreadable(
            Location(path, 1), f"missing columns {', '.join(missing)} (mapping {mapping.name})"
        )
    return table, header


def _rows(table: _Table, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The data rows of a file with the line each starts on (quoted cells may span lines)."""
    with table.path.open("rb") as raw:
        first = raw.read(4)
    encoding = "utf-16" if first.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    with table.path.open(encoding=encoding, newline="", errors="strict") as f:
        reader = csv.reader(f, delimiter=delimiter)
        line = 1
        try:
            next(reader)
            line = reader.line_num + 1
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield line, row
                line = reader.line_num + 1
        except UnicodeDecodeError as e:
            raise SourceUnreadable(
                Location(table.path, line),
                f"not UTF-8 (byte 0x{e.object[e.start]:02x}); save the file as UTF-8 and "
                "import it again",
            ) from e
        except csv.Error as e:
            raise SourceUnreadable(Location(table.path, line), f"not readable as CSV: {e}") from e


def import_tables(
    paths: list[Path],
    mapping: Mapping,
    reference: Reference,
    write: Callable[[ProjectRecord, Location], None],
    reject: Callable[[RecordRejected], None],
    remark: Callable[[Remark], None],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Read the projects and partners files of one export and hand each project's record to
    ``write`` (or its rejection to ``reject``)."""
    tables: dict[str, _Table] = {}
    for path in paths:
        if not path.is_file():
            raise SourceUnreadable(Location(path), "no such file")
        kind, header = _header(path, mapping)
        if kind in tables:
            raise SourceUnreadable(
                Location(path), f"a second {kind} file (the first is {tables[kind].path})"
            )
        fields = mapping.projects if kind == "projects" else mapping.partners
        columns = {f: header.index(c) for f, c in fields.items()}
        tables[kind] = _Table(path, header, columns)
    if "projects" not in tables:
        raise SourceUnreadable(
            Location(paths[0]), f"no projects file among the inputs ({mapping.name})"
        )
    with tempfile.TemporaryDirectory(prefix="projectgraph-import-") as tmp:
        db = sqlite3.connect(Path(tmp) / "partners.sqlite")
        db.execute("CREATE TABLE partner (project TEXT, line INTEGER, cells TEXT)")
        partners = tables.get("partners")
        if partners is not None:
            cols = partners.columns
            db.executemany(
                "INSERT INTO partner VALUES (?, ?, ?)",
                (
                    (_cell(row, cols["project"]), line, json.dumps(row, ensure_ascii=False))
                    for line, row in _rows(partners, mapping.delimiter)
                ),
            )
            db.execute("CREATE INDEX partner_project ON partner (project)")
        reader = _Reader(mapping, reference, tables, db, remark)
        for line, row in _rows(tables["projects"], mapping.delimiter):
            place = Location(tables["projects"].path, line)
            try:
                write(reader.project(line, row), place)
            except RecordRejected as e:
                reject(e)
            if progress:
                progress(1)
        if partners is not None:
            for project, line in db.execute(
                "SELECT project, MIN(line) FROM partner GROUP BY project ORDER BY MIN(line)"
            ):
                if project not in reader.keys:  # a rejected project's rows were reported
                    reject(
                        RecordRejected(
                            Location(partners.path, line, field=mapping.partners["project"]),
                            f"partner rows of project {project!r}, which the projects file "
                            "does not have",
                        )
                    )
        db.close()


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


class _Reader:
    """Turns a project row and its partner rows into a record."""

    def __init__(
        self,
        mapping: Mapping,
        reference: Reference,
        tables: dict[str, _Table],
        db: sqlite3.Connection,
        remark: Callable[[Remark], None],
    ) -> None:
        self.mapping = mapping
        self.reference = reference
        self.tables = tables
        self.db = db
        self.remark = remark
        self.organisations: dict[str, tuple[str, str, Location]] = {}  # key -> slug, name, first
        self.slugs: dict[str, str] = {}  # slug -> key
        self.keys: set[str] = set()  # the projects file's keys, read so far

    def project(self, line: int, row: list[str]) -> ProjectRecord:
        table = self.tables["projects"]
        get = _Getter(table, line, row)
        key = get("key", required=True)
        self.keys.add(key)
        programme_text = get("programme", required=True)
        programme = self.reference.programmes.find(programme_text)
        if programme is None:
            get.fail(
                "programme",
                f"{programme_text!r} is not a programme of data/reference/programmes.ttl",
            )
        acronym = get("acronym", required=True)
        try:
            slugify(acronym)
        except ValueError as e:
            get.fail("acronym", str(e))
        record = ProjectRecord(
            acronym=acronym, title=get("title", required=True), programme=programme
        )
        record.identifier = get("identifier") or None
        record.start = get.value("start", date)
        record.end = get.value("end", date)
        if record.start and record.end and record.end < record.start:
            get.fail("end", "the end date is before the start date")
        record.total_cost = get.value("total_cost", amount)
        record.eu_contribution = get.value("eu_contribution", amount)
        if (
            record.total_cost is not None
            and record.eu_contribution is not None
            and record.eu_contribution > record.total_cost
        ):
            get.fail("eu_contribution", "the EU contribution is more than the total cost")
        for field, prop in _TEXTS.items():
            text = get(field)
            if text:
                record.texts[prop] = text.replace("\r\n", "\n")
        for topic in filter(None, (t.strip() for t in _split(get("topics")))):
            found = self.reference.topics.find(topic)
            if found is None:
                get.fail("topics", f"{topic!r} is not a topic of data/reference/topics.ttl")
            record.topics.append(found)
        rows = [
            (pline, json.loads(cells))
            for pline, cells in self.db.execute(
                "SELECT line, cells FROM partner WHERE project = ? ORDER BY line", (key,)
            )
        ]
        record.partners = [self.partner(pline, prow, record) for pline, prow in rows]
        files = [table.path.name] + (
            [self.tables["partners"].path.name] if "partners" in self.tables else []
        )
        record.source = SourceInput(
            files=tuple(files),
            media_type="text/csv",
            title=self.mapping.title,
            sha256=sha256(json.dumps([row, *[r for _, r in rows]], ensure_ascii=False).encode()),
        )
        return record

    def partner(self, line: int, row: list[str], record: ProjectRecord) -> Partner:
        table = self.tables["partners"]
        get = _Getter(table, line, row)
        name = get("name", required=True)
        role_text = get("role", required=True)
        role = self.reference.roles.find(role_text)
        if role is None:
            get.fail("role", f"{role_text!r} is not a role of data/reference/roles.ttl")
        country_text = get("country")
        country = self.reference.country(country_text) if country_text else None
        if country_text and country is None:
            get.fail(
                "country",
                f"{country_text!r} is not a country of "
                "data/reference/countries.ttl (name, ISO or EU code)",
            )
        identifier = get("organisation_id") or None
        key = identifier or f"{normalise(name)}|{country.iri if country else ''}"
        known = self.organisations.get(key)
        if known is None:
            slug = organisation_slug(name, identifier, self.mapping.organisation_scheme)
            if self.slugs.get(slug, key) != key:  # same name, another country
                slug = slugify(f"{slug}-{country.notation if country else 'unknown'}")
            self.slugs[slug] = key
            known = (slug, name, get.place("name"))
            self.organisations[key] = known
        elif normalise(known[1]) != normalise(name):
            self.remark(
                Remark(
                    get.place("name"),
                    f"organisation {identifier or name}: named "
                    f"{name!r} here and {known[1]!r} at {known[2]}; the first is kept",
                )
            )
        organisation = Organisation(
            slug=known[0],
            name=known[1],
            country=country,
            identifier=identifier,
            short_name=get("short_name") or None,
        )
        region_code = get("region")
        if region_code:
            region = self.reference.region(region_code)
            if region is None:
                self.remark(
                    Remark(
                        get.place("region"),
                        f"region {region_code} is not a NUTS code of any version "
                        "(data/reference/nuts.ttl): not linked",
                    )
                )
            organisation.region = region
        cluster = get("cluster")
        if cluster:
            organisation.cluster = get.value("cluster", flag)
        website = get("website")
        if website:
            try:
                organisation.website = url(website)
            except ValueProblem as e:
                self.remark(Remark(get.place("website"), f"{e}: left out"))
        return Partner(organisation=organisation, role=role, function=role_text)


def _split(text: str) -> list[str]:
    return text.replace("|", ";").split(";") if text else []


class _Getter:
    """Cells of one row by field, with errors that name the file, line and column."""

    def __init__(self, table: _Table, line: int, row: list[str]) -> None:
        self.table, self.line, self.row = table, line, row

    def place(self, field: str) -> Location:
        index = self.table.columns.get(field)
        column = self.table.header[index] if index is not None else field
        return Location(self.table.path, self.line, field=column)

    def __call__(self, field: str, required: bool = False) -> str:
        index = self.table.columns.get(field)
        value = _cell(self.row, index) if index is not None else ""
        if required and not value:
            self.fail(field, "empty")
        return value

    def value(self, field: str, parse: Callable):
        text = self(field)
        if not text:
            return None
        try:
            return parse(text)
        except ValueProblem as e:
            self.fail(field, str(e))

    def fail(self, field: str, reason: str) -> NoReturn:
        raise RecordRejected(self.place(field), reason)
