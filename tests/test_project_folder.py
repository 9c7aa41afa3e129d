"""A synthetic project folder end to end through the command line: synth, build --project,
validate --project, the dumps agreeing with each other, and a rebuild that reuses work."""

from __future__ import annotations

import gzip
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from projectgraph.pipeline.run import build
from projectgraph.settings import load_settings
from tests.conftest import dataset_nquads

REPO = Path(__file__).resolve().parent.parent
DESCRIBE = importlib.import_module("projectgraph.publish.void")  # the module, not the function
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "projectgraph", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "records"
    done = cli("synth", "--projects", "120", "--seed", "5", "--out", str(out), "-q")
    assert done.returncode == 0, done.stderr
    assert "wrote 120 of 120 records" in done.stdout
    built = cli("build", "--project", str(out), "-q", "--timings")
    assert built.returncode == 0, built.stderr
    assert "validate" in built.stdout and "(0/" in built.stdout
    return out


def test_the_build_stays_inside_the_project_folder(folder: Path) -> None:
    dist = folder / ".projectgraph" / "dist"
    manifest = json.loads((dist / "build.json").read_text())
    assert len(manifest["graphs"]) == 120 + 7  # the records, the ontology, 6 reference files
    assert not (REPO / "dist").resolve().is_relative_to(folder)


def test_every_dump_holds_the_same_graph(folder: Path) -> None:
    dist = folder / ".projectgraph" / "dist"
    manifest = json.loads((dist / "build.json").read_text())
    nq = set(ox.parse(dataset_nquads(dist), format=ox.RdfFormat.N_QUADS))
    merged = {q.triple for q in nq}
    assert len(nq) == manifest["quads"] and len(merged) == manifest["triples"]
    ntriples = gzip.decompress((dist / "projectgraph.nt.gz").read_bytes())
    nt = {q.triple for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)}
    ttl = {q.triple for q in ox.parse(path=dist / "projectgraph.ttl", format=ox.RdfFormat.TURTLE)}
    jsonld = {
        q.triple for q in ox.parse(path=dist / "projectgraph.jsonld", format=ox.RdfFormat.JSON_LD)
    }
    trig = set(ox.parse(path=dist / "projectgraph.trig", format=ox.RdfFormat.TRIG))
    assert nt == ttl == jsonld == merged
    assert trig == nq
    # Shared organisations are stated once in the merged dumps: N-Triples has no duplicate.
    lines = ntriples.splitlines()
    assert len(lines) == len(set(lines)) == manifest["triples"]


def test_validate_accepts_the_project_folder(folder: Path) -> None:
    done = cli("validate", "--project", str(folder))
    assert done.returncode == 0, done.stderr
    assert "conforms: 0 violations, 0 warnings" in done.stdout


def test_void_describes_many_graphs_by_kind(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DESCRIBE, "MAX_LISTED_GRAPHS", 50)
    settings = load_settings(REPO, {"project_dirs": (folder,), "dist_dir": tmp_path / "dist"})
    result = build(settings, quiet=True, workers=1)
    void = rdflib.Graph().parse(result.published.folder / "void.ttl")
    subsets = set(void.objects(None, VOID.subset))
    assert {str(s).rsplit("#", 1)[1] for s in subsets} == {
        "ontology-graphs",
        "reference-graphs",
        "project-graphs",
    }
    counts = sum(int(void.value(s, VOID.triples)) for s in subsets)
    assert counts == result.published.manifest["quads"]


def test_a_triple_many_records_state_is_one_answer(folder: Path, tmp_path: Path) -> None:
    """Organisations are described in every record they take part in; SPARQL over the
    default graph sees each of their triples once, not once per record."""
    counts: dict[str, int] = {}
    for path in folder.glob("*.ttl"):
        for q in ox.parse(
            path=path, format=ox.RdfFormat.TURTLE, base_iri="https://w3id.org/projectgraph/"
        ):
            if q.predicate.value.endswith("#prefLabel") and "/organisation/" in q.subject.value:
                counts[q.subject.value] = counts.get(q.subject.value, 0) + 1
    popular = max(counts, key=counts.__getitem__)
    assert counts[popular] >= 3
    query = tmp_path / "labels.rq"
    label = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    query.write_text(f"SELECT (COUNT(*) AS ?n) WHERE {{ <{popular}> {label} ?l }}")
    done = cli("query", "--project", str(folder), "--file", str(query), "-f", "csv", "--no-build")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "1"]
