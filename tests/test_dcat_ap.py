"""The catalogue as a DCAT-AP harvester (data.europa.eu) checks it: SEMIC's official DCAT-AP
3.0.1 SHACL shapes and range shapes (vendored in tests/data/dcat-ap) report no violation on
what /.well-known/void serves, and the recommended properties the data can answer are there:
the SPARQL endpoint and the API as data services, a contact point, the catalogue's homepage,
issue date and theme taxonomy, each distribution's description and availability."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import httpx
import pyshacl
import rdflib
from rdflib import RDF

SHAPES = Path(__file__).parent / "data" / "dcat-ap"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DCATAP = rdflib.Namespace("http://data.europa.eu/r5r/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
CANONICAL = "https://w3id.org/projectgraph/"
DANGLING = 5  # property shapes ranges.ttl names and no file defines (see the README there)


@cache
def shapes() -> rdflib.Graph:
    """Both official files, without the references to shapes neither defines."""
    graph = rdflib.Graph().parse(SHAPES / "dcat-ap-SHACL.ttl", format="turtle")
    ranges = rdflib.Graph().parse(SHAPES / "ranges.ttl", format="turtle")
    dangling = [
        t
        for t in ranges.triples((None, SH.property, None))
        if (t[2], None, None) not in ranges and (t[2], None, None) not in graph
    ]
    assert len(dangling) == DANGLING
    for t in dangling:
        ranges.remove(t)
    return graph + ranges


def violations(data: rdflib.Graph) -> Counter[str]:
    """Validation results by path, constraint and message."""
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes(), inference="none")
    found: Counter[str] = Counter()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        found[
            f"{report.value(result, SH.resultPath)} {report.value(result, SH.sourceConstraintComponent)}"
            f" on {report.value(result, SH.focusNode)}: {report.value(result, SH.resultMessage)}"
        ] += 1
    return found


def served(http: httpx.Client) -> rdflib.Graph:
    response = http.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.text, format="turtle")


def test_the_official_dcat_ap_shapes_find_no_violation(http: httpx.Client) -> None:
    found = violations(served(http))
    assert not found, "\n".join(f"{n} x {v}" for v, n in sorted(found.items()))


def test_the_shapes_see_an_untyped_licence(http: httpx.Client) -> None:
    """The check can fail: the licence without its class (as the catalogue had it) is found."""
    data = served(http)
    licence = next(data.objects(None, DCT.license))
    data.remove((licence, RDF.type, None))
    assert any("LicenseDocument" in v for v in violations(data))


def test_the_recommended_properties_are_there(http: httpx.Client) -> None:
    data = served(http)
    dataset = rdflib.URIRef(CANONICAL + "id/dataset/projectgraph")
    catalogue = rdflib.URIRef(CANONICAL + "id/catalog/projectgraph")
    services = {
        data.value(s, DCAT.endpointURL): s for s in data.subjects(RDF.type, DCAT.DataService)
    }
    assert set(services) == {
        rdflib.URIRef(CANONICAL + "sparql"),
        rdflib.URIRef(CANONICAL + "api/queries"),
    }
    for service in services.values():
        assert (service, DCAT.servesDataset, dataset) in data
        assert data.value(service, DCAT.endpointDescription) is not None
    assert data.value(dataset, DCAT.contactPoint) is not None
    for prop in (FOAF.homepage, DCT.issued, DCAT.themeTaxonomy):
        assert data.value(catalogue, prop) is not None, prop
    distributions = list(data.objects(dataset, DCAT.distribution))
    assert len(distributions) == 5
    for distribution in distributions:
        assert data.value(distribution, DCT.description) is not None
        assert data.value(distribution, DCATAP.availability) is not None
    compressed = {
        str(data.value(d, DCAT.downloadURL)).rsplit(".", 1)[1]: str(fmt)
        for d in distributions
        if (fmt := data.value(d, DCAT.compressFormat)) is not None
    }
    assert compressed == {
        "gz": "http://www.iana.org/assignments/media-types/application/gzip",
        "zst": "http://www.iana.org/assignments/media-types/application/zstd",
    }
