"""The dumps parse with independent parsers, agree with each other, and are byte-deterministic."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld as pyld

from projectgraph.pipeline.run import BuildResult, build
from projectgraph.publish import parts
from projectgraph.rdf.jsonld import document_chunks, node_json
from projectgraph.rdf.serialize import jsonld as small_graph_jsonld
from projectgraph.settings import load_settings
from tests.conftest import REPO, build_files, dataset_nquads
from tests.graphs import isomorphic

FORMATS = {
    "projectgraph.ttl": ox.RdfFormat.TURTLE,
    "projectgraph.jsonld": ox.RdfFormat.JSON_LD,
    "projectgraph.nt.gz": ox.RdfFormat.N_TRIPLES,
    "projectgraph.trig": ox.RdfFormat.TRIG,
    "projectgraph.nq.zst": ox.RdfFormat.N_QUADS,
}
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def read_bytes(path: Path) -> bytes:
    if path.suffix == ".zst":
        return dataset_nquads(path.parent)
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def oxigraph_quads(path: Path) -> list[ox.Quad]:
    return list(ox.parse(read_bytes(path), format=FORMATS[path.name]))


def test_every_dump_parses_with_pyoxigraph_and_holds_the_same_triples(
    dist: Path, built: BuildResult
) -> None:
    expected = built.published.manifest["triples"]
    triples = {}
    for name in FORMATS:
        quads = oxigraph_quads(dist / name)
        triples[name] = {q.triple for q in quads}
        assert len(triples[name]) == expected, name
    reference = triples["projectgraph.ttl"]
    for name, found in triples.items():
        assert found == reference, f"{name} differs from the Turtle dump"


@pytest.mark.parametrize(
    ("name", "syntax"), [("projectgraph.ttl", "turtle"), ("projectgraph.nt.gz", "ntriples")]
)
def test_rapper_parses_turtle_and_ntriples(
    dist: Path, built: BuildResult, name: str, syntax: str, tmp_path: Path
) -> None:
    rapper = shutil.which("rapper")
    assert rapper, "rapper (Debian raptor2-utils) is required; .ci/run installs it"
    path = tmp_path / name.removesuffix(".gz")
    path.write_bytes(read_bytes(dist / name))
    result = subprocess.run(
        [rapper, "-i", syntax, "-c", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    count = re.search(r"returned (\d+) triples", result.stderr)
    assert count and int(count[1]) == built.published.manifest["triples"]


def test_rdflib_agrees_on_the_turtle_and_jsonld_dumps(dist: Path, built: BuildResult) -> None:
    for name, fmt in (("projectgraph.ttl", "turtle"), ("projectgraph.jsonld", "json-ld")):
        graph = rdflib.Graph().parse(dist / name, format=fmt)
        assert len(graph) == built.published.manifest["triples"], name


def test_dataset_dumps_keep_one_named_graph_per_source(dist: Path, built: BuildResult) -> None:
    for name in ("projectgraph.trig", "projectgraph.nq.zst"):
        graphs = {q.graph_name.value for q in oxigraph_quads(dist / name)}
        assert graphs == set(built.published.manifest["graphs"])
    quads = oxigraph_quads(dist / "projectgraph.nq.zst")
    project = ox.NamedNode("https://w3id.org/projectgraph/id/project/clusters3")
    where = {q.graph_name.value for q in quads if q.subject == project}
    assert where == {  # the imported record, and an editor's additions
        "https://w3id.org/projectgraph/graph/data/projects/clusters3",
        "https://w3id.org/projectgraph/graph/data/curated/clusters3",
    }
    role = ox.NamedNode("https://w3id.org/projectgraph/id/role/coordinator")
    assert {q.graph_name.value for q in quads if q.subject == role} == {
        "https://w3id.org/projectgraph/graph/data/reference/roles"
    }


def test_the_dataset_dump_is_one_zstandard_frame_per_named_graph(
    dist: Path, built: BuildResult
) -> None:
    """What the manifest says of each graph (its bytes in the dump) is one frame that the
    ``zstd`` command decompresses on its own to that graph's quads, and the frames, one after
    the other in graph-name order, are the whole file."""
    dump = dist / "projectgraph.nq.zst"
    data = dump.read_bytes()
    graphs = built.published.manifest["graphs"]
    end = 0
    for name in sorted(graphs):
        offset, length = graphs[name]["nquads"]
        assert offset == end, name
        end = offset + length
        frame = data[offset:end]
        assert frame[:4] == b"\x28\xb5\x2f\xfd", name  # a Zstandard frame's magic number
        lines = subprocess.run(["zstd", "-dc"], input=frame, capture_output=True, check=True)
        quads = list(ox.parse(lines.stdout, format=ox.RdfFormat.N_QUADS))
        assert len(quads) == graphs[name]["quads"] > 0, name
        assert {q.graph_name.value for q in quads} == {name}
    assert end == len(data)


def test_turtle_is_prefixed_and_readable(dist: Path) -> None:
    text = (dist / "projectgraph.ttl").read_text(encoding="utf-8")
    assert "@prefix eurio: <http://data.europa.eu/s66#> ." in text
    assert "\nproject:clusters3 a eurio:Project , org:OrganizationalCollaboration ;\n" in text
    body = "".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("@prefix")
    )
    assert "<https://w3id.org/projectgraph/id/" not in body  # minted IRIs are written prefixed
    assert "\n\n" in text  # a blank line between subjects


def test_jsonld_is_compacted_with_the_published_context(dist: Path) -> None:
    document = json.loads((dist / "projectgraph.jsonld").read_text(encoding="utf-8"))
    context = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert document["@context"] == context
    assert context == json.loads((REPO / "ontology" / "context.jsonld").read_text())["@context"]
    project = next(n for n in document["@graph"] if n["@id"].endswith("/id/project/clusters3"))
    assert project["title"] == "Leveraging Cluster Policies for successful implementation of RIS3"
    assert project["startDate"] == "2016-04-01"
    grant = next(n for n in document["@graph"] if n["@id"] == project["fundedBy"])
    assert grant["programme"] == "https://w3id.org/projectgraph/id/programme/interreg-europe"
    assert "eurio:Project" in project["@type"]
    assert not any(key.startswith("http") for node in document["@graph"] for key in node)


def test_jsonld_dump_is_what_the_small_graph_writer_writes(dist: Path) -> None:
    """One writer: each node of the dump (streamed part by part) is, byte for byte, what the
    writer of data documents and query answers gives for the node's subject alone."""
    context = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    by_subject: dict[str, list[ox.Triple]] = {}
    for q in oxigraph_quads(dist / "projectgraph.nt.gz"):
        by_subject.setdefault(str(q.subject), []).append(q.triple)
    alone: dict[str, Any] = {}
    for triples in by_subject.values():
        document = json.loads(small_graph_jsonld(triples, context))
        assert document["@context"] == context
        [node] = document["@graph"]
        alone[node["@id"]] = node
    dump = (dist / "projectgraph.jsonld").read_bytes()
    ids = [node["@id"] for node in json.loads(dump)["@graph"]]
    assert sorted(ids) == sorted(alone)
    # the dump, rewritten from the nodes written alone (in the dump's order), is the dump
    rewritten = "".join(document_chunks(context, (node_json(alone[i]) for i in ids)))
    assert rewritten.encode() == dump


def test_jsonld_dump_expands_with_pyld_to_the_same_triples(
    dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyLD's expansion of the dump, as N-Quads read by rdflib (as N-Triples: no named graph),
    is the N-Triples dump, with every lexical form kept."""
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    document = json.loads((dist / "projectgraph.jsonld").read_text(encoding="utf-8"))
    nquads = pyld.to_rdf(pyld.expand(document), {"format": "application/n-quads"})
    expanded = rdflib.Graph().parse(data=nquads, format="nt")
    expected = rdflib.Graph().parse(
        data=read_bytes(dist / "projectgraph.nt.gz").decode(), format="nt"
    )
    assert len(expanded) == len(expected)
    assert isomorphic(expanded, expected)


def test_build_is_deterministic(built: BuildResult, tmp_path: Path) -> None:
    again = build(load_settings(REPO, {"dist_dir": tmp_path / "dist"}), quiet=True).published
    first = built.published
    assert again.build_id == first.build_id
    files = build_files(first.folder)
    assert list(files) == list(build_files(again.folder))
    for name in files:
        assert (again.folder / name).read_bytes() == files[name].read_bytes(), name


def test_checksum_file_matches_every_file(dist: Path) -> None:
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ")
        listed[name] = digest
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest
    assert set(listed) == set(build_files(dist)) - {"SHA256SUMS", "build.json"}
    result = subprocess.run(
        ["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=dist, check=False
    )
    assert result.returncode == 0


def test_void_counts_the_merged_graphs_distinct_objects(dist: Path) -> None:
    void = ox.Store()
    void.load(path=dist / "void.ttl", format=ox.RdfFormat.TURTLE)
    dataset = ox.NamedNode("https://w3id.org/projectgraph/id/dataset/projectgraph")
    (said,) = void.quads_for_pattern(dataset, ox.NamedNode(str(VOID.distinctObjects)), None)
    with gzip.open(dist / "projectgraph.nt.gz") as dump:
        objects = {t.object for t in ox.parse(dump, format=ox.RdfFormat.N_TRIPLES)}
    assert int(said.object.value) == len(objects)


def test_object_digests_are_sorted_and_distinct_across_compactions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Merged a few at a time, as at scale (eight million): the same bytes as a set's.
    monkeypatch.setattr(parts._Digests, "_COMPACT", 5)
    rng = random.Random(3)
    pool = [rng.randbytes(8) for _ in range(40)] + [b"\x00" * 8, b"\xff" * 8, b"\x80" + b"\0" * 7]
    added = [sorted(rng.sample(pool, rng.randint(0, 9))) for _ in range(30)]
    digests = parts._Digests()
    for part in added:
        digests.add(b"".join(part))
    assert digests.sorted() == b"".join(sorted({d for part in added for d in part}))


def test_void_and_dcat_describe_the_dumps(dist: Path, built: BuildResult) -> None:
    void = rdflib.Graph().parse(dist / "void.ttl", format="turtle")
    dataset = rdflib.URIRef("https://w3id.org/projectgraph/id/dataset/projectgraph")
    assert int(void.value(dataset, VOID.triples)) == built.published.manifest["triples"]
    assert str(void.value(dataset, VOID.uriSpace)) == "https://w3id.org/projectgraph/id/"
    assert void.value(dataset, VOID.exampleResource) == rdflib.URIRef(
        "https://w3id.org/projectgraph/id/project/clusters3"
    )
    assert rdflib.URIRef("http://data.europa.eu/s66#") in set(
        void.objects(dataset, VOID.vocabulary)
    )
    assert (
        void.value(dataset, DCT.license) is not None and void.value(dataset, DCT.title) is not None
    )
    catalog = rdflib.URIRef("https://w3id.org/projectgraph/id/catalog/projectgraph")
    assert (catalog, DCAT.dataset, dataset) in void

    distributions = set(void.objects(dataset, DCAT.distribution))
    assert len(distributions) == len(FORMATS)
    for distribution in distributions:
        url = str(void.value(distribution, DCAT.downloadURL))
        path = dist / url.rsplit("/", 1)[1]
        assert (dataset, VOID.dataDump, rdflib.URIRef(url)) in void
        assert int(void.value(distribution, DCAT.byteSize)) == path.stat().st_size
        checksum = void.value(void.value(distribution, SPDX.checksum), SPDX.checksumValue)
        assert str(checksum) == hashlib.sha256(path.read_bytes()).hexdigest()
        assert void.value(distribution, DCAT.mediaType) is not None
        assert str(void.value(distribution, DCT["format"])).startswith(
            "http://publications.europa.eu/resource/authority/file-type/"
        )

    # one subset per named graph, with the triple count of that graph in the N-Quads dump
    quads = oxigraph_quads(dist / "projectgraph.nq.zst")
    for subset in void.objects(dataset, VOID.subset):
        count = sum(1 for q in quads if q.graph_name.value == str(subset))
        assert int(void.value(subset, VOID.triples)) == count > 0
    temporal = void.value(dataset, DCT.temporal)
    assert str(void.value(temporal, DCAT.startDate)) == "2016-04-01"
    assert str(void.value(temporal, DCAT.endDate)) == "2020-03-31"
    spatial = {str(c).rsplit("/", 1)[1] for c in void.objects(dataset, DCT.spatial)}
    assert spatial == {"ESP", "POL", "ITA", "LVA", "HUN", "GBR"}


def test_a_change_that_only_touches_the_manifest_gives_a_new_build(
    built_project_copy: Path,
) -> None:
    """Shapes change no dump but do change the input digest: the build id must follow, or a
    later serve would keep rebuilding onto the stale folder (a bug found in review)."""
    project_copy = built_project_copy  # comes built: the first build below reuses its cache
    settings = load_settings(project_copy, {"dist_dir": project_copy / "dist"})
    first = build(settings, quiet=True).published
    shape = project_copy / "shapes" / "places.ttl"
    shape.write_text(shape.read_text() + "\n# a comment\n")
    second = build(settings, quiet=True).published
    assert second.build_id != first.build_id
    assert (first.folder / "projectgraph.nq.zst").read_bytes() == (
        second.folder / "projectgraph.nq.zst"
    ).read_bytes()
    manifest = json.loads((project_copy / "dist" / "build.json").read_text())
    assert manifest["build_id"] == second.build_id
    assert (
        manifest["inputs_sha256"]
        == second.manifest["inputs_sha256"]
        != first.manifest["inputs_sha256"]
    )
