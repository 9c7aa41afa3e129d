"""The build validates its units with pyshacl-turbo; pySHACL on the whole graph is the reference.
On every planted-error set (the broken copies of the shipped record, and synthetic records
with errors planted inside and across them, see test_incremental_validation.py) both report
the same results: focus node, label, path, value, message, shape, constraint, severity and
place."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from rdflib import Graph

from projectgraph.pipeline.run import validate_sources
from projectgraph.rdf.vocab import SH
from projectgraph.settings import Settings, load_settings
from projectgraph.validate import native
from projectgraph.validate.report import Report, Result
from projectgraph.validate.shacl import load_shapes
from tests.reference import reference_report

REPO = Path(__file__).resolve().parent.parent
INVALID = Path(__file__).parent / "data" / "invalid"
CASES = sorted(INVALID.glob("*.ttl"))


def rows(report: Report) -> list[tuple]:
    def row(r: Result) -> tuple:
        loc = r.location
        place = (str(loc.path), loc.line, loc.column) if loc else None
        fields = (r.focus, r.focus_label, r.path, r.value, r.message, r.shape, r.constraint)
        return (r.severity, *fields, place)

    return sorted(row(r) for r in report.results)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(REPO, {"dist_dir": Path(tempfile.mkdtemp()) / "dist"})


@pytest.fixture(scope="module")
def shapes(settings: Settings):  # type: ignore[no-untyped-def]
    return load_shapes(settings)


@pytest.mark.parametrize("case", [None, *CASES], ids=lambda p: p.stem if p else "shipped")
def test_units_by_turbo_equal_whole_graph_pyshacl(
    case: Path | None, settings: Settings, shapes, run_shared: Path | None
) -> None:  # type: ignore[no-untyped-def]
    paths = [case] if case else None
    reference = rows(reference_report(settings, paths, shapes, run_shared))
    assert reference, "every set has at least the shipped record's warning"
    assert rows(validate_sources(settings, paths, workers=1)) == reference


def test_lexical_forms_are_reported_as_written() -> None:
    # A pyoxigraph Store would hand the engine "1"^^xsd:decimal for "1.00"^^xsd:decimal:
    # the text input keeps what the source says, which the report quotes.
    shapes = native.compile_shapes(_graph(SHAPE))
    data = (
        b'<http://example.org/a> <http://example.org/amount> "-1.00"^^'
        b"<http://www.w3.org/2001/XMLSchema#decimal> .\n"
        b'<http://example.org/a> <http://example.org/code> "EUR" .\n'
    )
    report = native.report(data, shapes)
    assert report is not None
    values = sorted(str(v) for v in report.objects(None, SH.value))
    assert values == ["-1.00"]  # the amount; "EUR" is in sh:in, as a plain literal


def test_a_conforming_graph_gives_no_report() -> None:
    shapes = native.compile_shapes(_graph(SHAPE))
    data = b'<http://example.org/a> <http://example.org/code> "EUR" .\n'
    assert native.report(data, shapes) is None


def test_a_triple_given_twice_is_one() -> None:
    """Chunks are not deduplicated line by line (a unit may repeat a reference triple): the
    engine must read a set, or a count would see two values where the graph has one."""
    shapes = native.compile_shapes(
        _graph(SHAPE + "<http://example.org/S> sh:property [ sh:path <http://example.org/code> ;"
               " sh:maxCount 1 ] .\n")
    )  # fmt: skip
    one = b'<http://example.org/a> <http://example.org/code> "EUR" .\n'
    assert native.report(one * 2, shapes) is None
    two = one + b'<http://example.org/a> <http://example.org/code> "USD" .\n'
    once, twice = native.report(two, shapes), native.report(two * 2, shapes)
    assert once is not None and twice is not None
    assert len(list(twice.subjects(SH.resultSeverity, None))) == 1
    assert len(once) == len(twice)


SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/S> a sh:NodeShape ;
    sh:targetSubjectsOf <http://example.org/code> ;
    sh:property [ sh:path <http://example.org/code> ; sh:in ( "EUR" "USD" ) ] ;
    sh:property [ sh:path <http://example.org/amount> ; sh:minInclusive 0 ] .
"""


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")
