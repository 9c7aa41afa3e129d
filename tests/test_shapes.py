"""The shapes accept the shipped data and catch each deliberately broken copy exactly."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from projectgraph.settings import Settings
from projectgraph.validate.report import Result
from projectgraph.validate.shacl import load_shapes
from tests.reference import reference_report

INVALID = Path(__file__).parent / "data" / "invalid"
CASES = sorted(INVALID.glob("*.ttl"))
# The one result the shipped record deserves: the page gives the coordinator no country.
DOCUMENTED_WARNING = (
    "Warning | eurio:hasSite/pg:country | MinCountConstraintComponent | "
    "organisation:spri-basque-country-business-development-agency"
)


def written(display: str) -> str:
    """How a term shown in a report appears in Turtle: a literal's lexical form, an IRI's
    local name."""
    literal = re.match(r'^"(.*?)"', display)
    if literal:
        return literal[1]
    return re.split(r"[:/#]", display.strip("<>^/"))[-1]


def key(result: Result) -> str:
    return " | ".join(
        (result.severity, result.path or "-", result.constraint, result.focus_display)
    )


@pytest.fixture(scope="module")
def shapes(repo_settings: Settings):  # type: ignore[no-untyped-def]
    return load_shapes(repo_settings)


def test_shipped_data_conforms_with_only_the_documented_warning(
    repo_settings: Settings, shapes, run_shared: Path | None
) -> None:  # type: ignore[no-untyped-def]
    report = reference_report(repo_settings, None, shapes, run_shared)
    assert report.conforms
    assert [key(r) for r in report.results] == [DOCUMENTED_WARNING]
    warning = report.results[0]
    assert warning.focus_label == "SPRI - Basque Country Business Development Agency"
    assert "no country" in warning.message
    assert warning.location is not None and warning.location.path.name == "clusters3.ttl"


def test_every_shape_file_has_a_broken_copy() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_broken_copy_gives_exactly_the_expected_results(
    case: Path, repo_settings: Settings, shapes, run_shared: Path | None
) -> None:  # type: ignore[no-untyped-def]
    expected = sorted(
        line.split("# expect:", 1)[1].strip()
        for line in case.read_text(encoding="utf-8").splitlines()
        if line.startswith("# expect:")
    )
    assert expected, f"{case.name} states no expected result"
    report = reference_report(repo_settings, [case], shapes, run_shared)
    found = sorted(key(r) for r in report.results if key(r) != DOCUMENTED_WARNING)
    assert found == expected
    assert not report.conforms
    lines = case.read_text(encoding="utf-8").splitlines()
    for result in report.results:
        assert result.message and "ConstraintComponent" not in result.message  # our sh:message
        assert result.location is not None and result.location.line is not None
        # the line shown is the statement at fault: it names the value, the property or the
        # focus node itself (for a missing property), never an unrelated reference
        line = lines[result.location.line - 1]
        stated = [written(t) for t in (result.value, result.path) if t]
        if not any(name and name in line[result.location.column - 1 :] for name in stated):
            focus = result.focus_display.split(":", 1)[-1]  # clusters3, clusters3#total-cost
            assert result.location.column == 1 and focus in line, (line, result)


def test_broken_copies_are_up_to_date_with_the_record() -> None:
    spec = importlib.util.spec_from_file_location("generate", INVALID / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = generate  # dataclasses look their module up there
    spec.loader.exec_module(generate)
    record = generate.source_text()
    assert sorted(c.name for c in generate.CASES) == [p.stem for p in CASES]
    for case in generate.CASES:
        current = (INVALID / f"{case.name}.ttl").read_text(encoding="utf-8")
        assert current == generate.render(case, record), f"run python {INVALID / 'generate.py'}"
