"""A real third-party client, SPARQLWrapper, against the running endpoint."""

from __future__ import annotations

import pytest
import rdflib
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

from tests.server import Server

SELECT = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?name WHERE { ?m org:role/skos:notation "coordinator" ; org:member/skos:prefLabel ?name }"""
ASK = "ASK { ?s <http://data.europa.eu/s66#startDate> ?d }"
CONSTRUCT = """CONSTRUCT { ?p <http://data.europa.eu/s66#title> ?t }
WHERE { ?p <http://data.europa.eu/s66#title> ?t }"""
COORDINATOR = "SPRI - Basque Country Business Development Agency"


def client(server: Server, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", [None, POST])
def test_select_json(server: Server, method: str | None) -> None:
    result = client(server, SELECT, JSON, method).queryAndConvert()
    assert [b["name"]["value"] for b in result["results"]["bindings"]] == [COORDINATOR]


def test_select_xml(server: Server) -> None:
    document = client(server, SELECT, XML).queryAndConvert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == [COORDINATOR]


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask(server: Server, fmt: str) -> None:
    result = client(server, ASK, fmt).queryAndConvert()
    value = (
        result["boolean"]
        if fmt == JSON
        else result.getElementsByTagName("boolean")[0].firstChild.data
    )
    assert value in (True, "true")


# SPARQLWrapper warns that JSON is unusual for CONSTRUCT; the endpoint answers JSON-LD.
@pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning")
@pytest.mark.parametrize("fmt", [TURTLE, XML, JSON])
def test_construct(server: Server, fmt: str) -> None:
    result = client(server, CONSTRUCT, fmt).queryAndConvert()
    if fmt == TURTLE:
        result = rdflib.Graph().parse(data=result, format="turtle")
    assert isinstance(result, rdflib.Graph)
    titles = {str(o) for o in result.objects()}
    assert "Leveraging Cluster Policies for successful implementation of RIS3" in titles
