"""Validation by units (parallel, cached) gives exactly the report of pySHACL on the whole
graph: a synthetic set with errors planted inside records and across them."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.build.assemble import assemble
from projectgraph.build.sources import Source
from projectgraph.pipeline import parallel
from projectgraph.pipeline.run import BuildRefused, build, validate_sources
from projectgraph.settings import load_settings
from projectgraph.synth.generate import synthesize
from projectgraph.validate import units as validate_units
from projectgraph.validate.report import Report, Result
from projectgraph.validate.shacl import load_shapes, shapes_footprint, validate

REPO = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/projectgraph/"
MEMBER = f"<{BASE}id/participation/"


def _describers(folder: Path) -> dict[str, list[Path]]:
    """Organisation IRI -> the records describing it."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.ttl")):
        for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=BASE):
            if t.predicate.value.endswith("prefLabel") and "/organisation/" in t.subject.value:
                found.setdefault(t.subject.value, []).append(path)
    return found


PREFIXES = "".join(
    f"@prefix {p}: <{ns}> .\n"
    for p, ns in {
        "eurio": "http://data.europa.eu/s66#",
        "pg": "https://w3id.org/projectgraph/ontology#",
        "org": "http://www.w3.org/ns/org#",
        "schema": "https://schema.org/",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dct": "http://purl.org/dc/terms/",
        "country": "http://publications.europa.eu/resource/authority/country/",
        "project": "id/project/",
        "participation": "id/participation/",
        "organisation": "id/organisation/",
        "role": "id/role/",
    }.items()
)


def _append(path: Path, text: str) -> None:
    """Add statements at the end of a record (Turtle allows prefixes anywhere)."""
    with path.open("a", encoding="utf-8") as f:
        f.write("\n# planted by the test\n" + PREFIXES + text + "\n")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 synthetic records, then errors: in one record, across records through shared
    organisations, through a participation filed with another project, through a node
    several records point at, and in a curated file adding to a project."""
    root = tmp_path_factory.mktemp("planted")
    records = root / "records"
    synthesize(records, 60, 3, load_settings(REPO), workers=1)
    files = sorted(records.glob("*.ttl"))
    slug = [f.stem for f in files]
    orgs = _describers(records)
    shared = sorted(o for o, paths in orgs.items() if len(paths) >= 2)
    assert len(shared) >= 2, "the synthetic set should share organisations"

    # In one record: a second title, language-tagged (sh:maxCount, and sh:datatype: EURIO's
    # titles are plain strings) and an EU contribution above
    # the budget (the SPARQL constraint) with a second value (sh:maxCount).
    _append(files[0], f'project:{slug[0]} eurio:title "Second title"@en .')
    _append(files[1], f"<id/project/{slug[1]}#eu-contribution> eurio:value 999999999999.00 .")
    # Across records: an organisation several records describe gets a second country in one
    # record and a second cluster flag value in another (sh:maxCount over the union).
    first, second = orgs[shared[0]][0], orgs[shared[0]][1]
    _append(first, f"<{shared[0]}#site> pg:country country:MLT .")
    _append(second, f"<{shared[0]}> pg:isClusterOrganisation true, false .")
    # A participation filed in another project's record: that project gets a second
    # coordinator (an inverse path that crosses records).
    _append(
        files[2],
        f"participation:planted-extra a org:Membership ; org:organization project:{slug[3]} ;\n"
        f"    org:role role:coordinator ; org:member <{shared[1]}> .",
    )
    # A participation naming an organisation only another record describes: valid, since
    # the organisation is an eurio:Organisation in the whole graph.
    _append(
        files[11],
        "organisation:planted-lonely a eurio:Organisation, org:Organization ;\n"
        '    skos:prefLabel "Lonely Ltd" ; eurio:hasSite <id/organisation/planted-lonely#site> .\n'
        "<id/organisation/planted-lonely#site> a eurio:Site ; pg:country country:BEL .",
    )
    _append(
        files[12],
        f"participation:planted-foreign a org:Membership ; org:organization project:{slug[12]} ;\n"
        "    org:role role:partner ; org:member organisation:planted-lonely .",
    )
    # The same undescribed place in two records (a focus node no record describes).
    for k in (5, 6):
        _append(
            files[k],
            f"project:{slug[k]} pg:hasEvent <id/event/planted-{k}> .\n"
            f'<id/event/planted-{k}> a schema:Event ; schema:name "Planted"@en ;\n'
            "    schema:location <http://data.europa.eu/nuts/code/ZZ9> .",
        )
    # An organisation without a country (a warning).
    _append(
        files[7],
        'organisation:planted-nowhere a eurio:Organisation ; skos:prefLabel "Nowhere Ltd" .',
    )
    # A participation filed elsewhere for that curated project: a second coordinator seen
    # only through an inverse path into a node two files describe.
    _append(
        files[9],
        f"participation:planted-curated a org:Membership ; org:organization project:{slug[8]} ;\n"
        f"    org:role role:coordinator ; org:member <{shared[1]}> .",
    )
    # A curated file adding to a project: a second start date (the project is described in
    # two files).
    curated = records / "curated"
    curated.mkdir()
    (curated / "additions.ttl").write_text(
        "@prefix eurio: <http://data.europa.eu/s66#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f'<id/project/{slug[8]}> eurio:startDate "2010-01-01"^^xsd:date .\n',
        encoding="utf-8",
    )
    # A valid curated addition to another project: its file alone says too little about the
    # project, which the build must see whole.
    (curated / "topics.ttl").write_text(
        f"<id/project/{slug[10]}> <http://purl.org/dc/terms/subject> "
        "<id/topic/cluster-internationalisation> .\n",
        encoding="utf-8",
    )
    return records


def _rows(report: Report) -> list[tuple]:
    def row(r: Result) -> tuple:
        loc = r.location
        place = (str(loc.path), loc.line, loc.column) if loc else None
        return (
            r.severity,
            r.focus,
            r.focus_label,
            r.path,
            r.value,
            r.message,
            r.shape,
            r.constraint,
            place,
        )

    return sorted((row(r) for r in report.results), key=lambda t: [str(x) for x in t])


@pytest.fixture(scope="module")
def whole(planted: Path) -> list[tuple]:
    settings = load_settings(REPO, {"project_dirs": (planted,)})
    return _rows(validate(assemble(settings), settings, load_shapes(settings)))


def test_the_planted_errors_are_found_by_whole_graph_validation(whole: list[tuple]) -> None:
    constraints = Counter(row[7] for row in whole)
    assert constraints["MaxCountConstraintComponent"] >= 5  # title, country, flag, amount, start
    assert constraints["DatatypeConstraintComponent"] == 1
    assert constraints["SPARQLConstraintComponent"] == 1
    assert constraints["QualifiedMaxCountConstraintComponent"] == 2
    assert any(row[1].endswith("/ZZ9") for row in whole)
    assert sum(1 for row in whole if row[0] == "Warning") == 1
    assert not any("planted-foreign" in (row[1] + str(row[4])) for row in whole)


@pytest.mark.parametrize(
    ("chunk", "workers"),
    [(1, 1), (800, 2), (100_000, 1)],
    ids=["each-unit-alone", "chunks-in-two-processes", "one-chunk"],
)
def test_units_give_the_whole_graph_report(
    planted: Path,
    whole: list[tuple],
    tmp_path: Path,
    chunk: int,
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each unit validated on its own proves the partition; chunks of several units, in
    # worker processes, prove that results are credited to the right units.
    monkeypatch.setattr(validate_units, "CHUNK_TRIPLES", chunk)
    monkeypatch.setattr(parallel, "SMALL_WORK", 0)
    settings = load_settings(REPO, {"project_dirs": (planted,), "dist_dir": tmp_path / "dist"})
    assert _rows(validate_sources(settings, workers=workers)) == whole


def test_a_rebuild_revalidates_only_the_changed_unit(planted: Path, tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(planted, records)
    shutil.rmtree(records / "curated")
    for path in records.glob("*.ttl"):  # back to the clean synthetic records
        text = path.read_text(encoding="utf-8")
        path.write_text(text.split("\n# planted by the test\n")[0], encoding="utf-8")
    settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": tmp_path / "dist"})
    first = build(settings, quiet=True, workers=1)
    units = first.reused["validate"][1]
    assert first.reused["validate"] == (0, units)

    again = build(settings, quiet=True, workers=1)
    assert again.reused["validate"] == (units, units)
    assert again.published.build_id == first.published.build_id

    changed = sorted(records.glob("*.ttl"))[10]
    _append(changed, f'project:{changed.stem} dct:description "Renommé"@fr .')
    third = build(settings, quiet=True, workers=1)
    assert third.reused["validate"] == (units - 1, units)
    assert third.reused["read + entail"][1] - third.reused["read + entail"][0] == 1

    _append(changed, f'project:{changed.stem} eurio:title "Second" .')
    with pytest.raises(BuildRefused) as refused:
        build(settings, quiet=True, workers=1)
    assert [r.constraint for r in refused.value.report.results] == ["MaxCountConstraintComponent"]
    assert (tmp_path / "dist").resolve() == third.published.folder  # the last good build


def test_a_chunk_names_its_iris_blank_nodes_and_literals_datatypes() -> None:
    """What a chunk's reference data is looked up by: every IRI and blank node of its lines,
    and each typed literal's datatype (glued to the literal: found apart)."""
    lines = (
        b"<http://x.test/s> <http://x.test/p> <http://x.test/o> .\n"
        b'_:b1 <http://x.test/p> "12"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        b'<http://x.test/s> <http://x.test/label> "a <http://x.test/in-text> b"@en .\n'
    )
    named = validate_units._named_terms(lines)
    assert {
        b"<http://x.test/s>",
        b"<http://x.test/p>",
        b"<http://x.test/o>",
        b"_:b1",
        b"<http://www.w3.org/2001/XMLSchema#integer>",
        b"<http://x.test/label>",
    } <= named
    assert set(validate_units._TERM.findall(lines)) <= named


def test_a_chunk_reaches_the_reference_data_through_what_the_shapes_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine is given the reference nodes the units' triples lead to through predicates
    the shapes read (a class and its superclasses), not those only a predicate no shape reads
    leads to (the regions above a region, by skos:broader); the data that describes a result
    (every predicate) still follows every link."""
    monkeypatch.setattr(validate_units, "_state", None)  # this process's worker state, put back
    settings = load_settings(REPO)
    read = shapes_footprint(load_shapes(settings))
    assert read is not None
    skos, rdfs = "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/2000/01/rdf-schema#"
    # The premises: no shape walks up the regions, nor reads a comment.
    assert not {f"{skos}broader", f"{rdfs}comment"} & read
    assert {f"{skos}inScheme", f"{rdfs}subClassOf"} <= read
    graph = "https://w3id.org/projectgraph/graph/test-reference"
    lines = [
        f"<http://x.test/r3> <{skos}broader> <http://x.test/r2> .",
        f"<http://x.test/r3> <{skos}inScheme> <http://x.test/scheme> .",
        f"<http://x.test/r2> <{skos}inScheme> <http://x.test/scheme> .",
        f'<http://x.test/scheme> <{rdfs}comment> "NUTS" .',
        f"<http://x.test/c1> <{rdfs}subClassOf> <http://x.test/c2> .",
        f"<http://x.test/c2> <{rdfs}subClassOf> <http://x.test/c3> .",
    ]
    source = Source(tmp_path / "reference.ttl", "reference", "reference", graph)
    nquads = "".join(f"{line[:-2]} <{graph}> .\n" for line in lines).encode()
    validate_units.init_worker(settings, [(source, nquads)], {}, frozenset(), {})
    state = validate_units._state
    assert state is not None and not state.whole_reference
    task = validate_units.UnitTask((), (), (), with_reference=False)
    units = (
        b"<http://x.test/site> <https://w3id.org/projectgraph/ontology#region> <http://x.test/r3> .\n"
        b"<http://x.test/site> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://x.test/c1> .\n"
    )
    given = validate_units.reference_for(state, [task], units, only_read=True).decode()
    assert sorted(given.splitlines()) == sorted(
        line for line in lines if "comment" not in line and "broader" not in line
        and not line.startswith("<http://x.test/r2>")
    )  # fmt: skip
    described = validate_units.reference_for(state, [task], units).decode()
    assert sorted(described.splitlines()) == sorted(lines)


def test_the_engine_is_given_the_types_of_the_classes_the_shapes_name_or_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunks' rdf:type lines are those of the classes the shapes name and of the
    reference data's subclasses (a type of another class can make no result), a sixth of the
    lines the engine loads at 100,000 projects; a shared description stating a subclass makes
    the worker give every type."""
    monkeypatch.setattr(validate_units, "_state", None)  # this process's worker state, put back
    settings = load_settings(REPO)
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    project, sub = "http://data.europa.eu/s66#Project", "http://x.test/LocalProject"
    graph = "https://w3id.org/projectgraph/graph/test-reference"
    line = f"<{sub}> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{project}>"
    source = Source(tmp_path / "reference.ttl", "reference", "reference", graph)
    validate_units.init_worker(
        settings, [(source, f"{line} <{graph}> .\n".encode())], {}, frozenset(), {}
    )
    state = validate_units._state
    assert state is not None and state.read is not None
    typed = {f"<{rdf_type}> <{c}>".encode() for c in (project, sub, "http://x.test/Other")}
    assert typed & state.read == typed - {f"<{rdf_type}> <http://x.test/Other>".encode()}
    assert f"<{rdf_type}>".encode() not in state.read
    shared = {"<http://x.test/org>": f"{line} .\n".encode()}
    validate_units.init_worker(settings, [], shared, frozenset(), {})
    state = validate_units._state
    assert state is not None and state.read is not None
    assert f"<{rdf_type}>".encode() in state.read
    # a blank node stated a subclass in the reference data: its types are no entry, all are
    blank = f"_:c <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{project}> <{graph}> .\n"
    validate_units.init_worker(settings, [(source, blank.encode())], {}, frozenset(), {})
    state = validate_units._state
    assert state is not None and state.read is not None
    assert f"<{rdf_type}>".encode() in state.read
