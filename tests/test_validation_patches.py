"""Validation's speed-ups never reach a process that only imports the package (the server, the
query command), and change no result.

The speed-ups: pySHACL's constraint-parameter list with hashed membership, put in place only
while a validation runs (projectgraph.validate.patches), and a data graph that translates each
SPARQL query text once (projectgraph.validate.graph.ValidationGraph, a subclass: no patch).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rdflib import Graph

from projectgraph.build.assemble import assemble
from projectgraph.settings import Settings
from projectgraph.validate import patches, shacl
from projectgraph.validate.report import Report
from projectgraph.validate.shacl import load_shapes, validate
from tests.graphs import isomorphic

REPO = Path(__file__).resolve().parents[1]
INVALID = Path(__file__).parent / "data" / "invalid"
# One broken copy of the shipped record per constraint component the shapes report (each has
# sh:minCount results too): the speed-ups are in how constraints are evaluated, not in which
# fail. Every broken copy is also validated by the patched pySHACL in test_validator_parity,
# against pyshacl-turbo, an engine that shares none of this code.
COVERING = {
    "budget-with-separators": "sh:datatype, sh:minInclusive",
    "cluster-flag-twice": "sh:maxCount",
    "country-as-text": "sh:class, sh:nodeKind, sh:pattern",
    "end-before-start": "sh:lessThan",
    "eu-contribution-over-budget": "sh:sparql",
    "missing-title": "sh:minCount alone",
    "no-coordinator": "sh:qualifiedMinCount",
    "publication-unknown-status": "sh:in",
    "region-not-nuts": "sh:node",
    "two-coordinators": "sh:qualifiedMaxCount",
}
CASES = [INVALID / f"{name}.ttl" for name in sorted(COVERING)]

# Run in a fresh interpreter: takes pySHACL's and rdflib's attributes as shipped, imports the
# server side (and, when asked, validates in this process as `serve` does on a stale dist),
# and prints the attributes that differ afterwards.
PROBE = textwrap.dedent(
    """
    import sys
    import pyshacl.shape
    import rdflib.graph
    from rdflib.plugins.sparql import processor

    def attributes():
        return {
            "pyshacl.shape.CONSTRAINT_PARAMS": getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None),
            "rdflib Graph.query": rdflib.graph.Graph.query,
            "rdflib SPARQLProcessor.query": processor.SPARQLProcessor.query,
            "rdflib processor.translateQuery": processor.translateQuery,
            "rdflib processor.parseQuery": processor.parseQuery,
            "rdflib processor.evalQuery": processor.evalQuery,
        }

    before = attributes()
    import projectgraph.serve.run
    import projectgraph.web.app
    import projectgraph.pipeline.current
    if sys.argv[1] == "validate":
        from projectgraph.pipeline.run import validate_sources
        from pathlib import Path
        from projectgraph.settings import load_settings
        settings = load_settings(Path(sys.argv[2]), {"dist_dir": Path(sys.argv[3])})  # no cache
        report = validate_sources(settings, workers=1)  # in this process, as a small build
        assert report.conforms and len(report.results) == 1, report.to_text()
    after = attributes()
    params = after["pyshacl.shape.CONSTRAINT_PARAMS"]
    if params is not None and type(params[0]) is list:  # pySHACL's own cache, a plain list
        after["pyshacl.shape.CONSTRAINT_PARAMS"] = None
    print(sorted(name for name in before if after[name] is not before[name]))
    """
)


def _changed_attributes(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_server_side_patches_nothing() -> None:
    assert _changed_attributes("import") == "[]"


def test_validating_in_the_server_process_leaves_nothing_patched(tmp_path: Path) -> None:
    assert _changed_attributes("validate", str(REPO), str(tmp_path / "dist")) == "[]"


def test_the_patch_is_in_place_only_during_validation() -> None:
    from pyshacl import shape

    saved = getattr(shape, "CONSTRAINT_PARAMS", None)
    with patches.installed():
        inside = getattr(shape, "CONSTRAINT_PARAMS", None)
    assert getattr(shape, "CONSTRAINT_PARAMS", None) is saved
    if patches.supported():
        assert inside is not None and isinstance(inside[0], patches._ParameterSet)
    else:
        assert inside is saved


def test_untested_pyshacl_validates_unpatched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patches, "TESTED_PYSHACL", frozenset({"0.0.0"}))
    patches.supported.cache_clear()
    try:
        from pyshacl import shape

        saved = getattr(shape, "CONSTRAINT_PARAMS", None)
        with patches.installed():
            assert getattr(shape, "CONSTRAINT_PARAMS", None) is saved
    finally:
        monkeypatch.undo()
        patches.supported.cache_clear()


@pytest.fixture(scope="module")
def shapes(repo_settings: Settings) -> Graph:
    return load_shapes(repo_settings)


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation as pySHACL and rdflib ship: no patch, a plain rdflib data graph."""
    monkeypatch.setattr(patches, "installed", contextlib.nullcontext)
    monkeypatch.setattr(shacl, "ValidationGraph", Graph)


def _same(fast: Report, plain: Report) -> None:
    assert fast.to_json() == plain.to_json()
    assert isomorphic(fast.graph, plain.graph)


@pytest.mark.parametrize("case", [None, *CASES], ids=lambda p: p.stem if p else "shipped")
def test_results_are_the_same_without_the_speed_ups(
    case: Path | None, repo_settings: Settings, shapes: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On an untested pySHACL only the query cache differs from plain: still compared.
    assembled = assemble(repo_settings, [case] if case else None)
    fast = validate(assembled, repo_settings, shapes)
    _plain(monkeypatch)
    plain = validate(assembled, repo_settings, shapes)
    _same(fast, plain)
    assert fast.results if case else fast.conforms  # each broken copy is caught
