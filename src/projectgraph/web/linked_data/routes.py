"""The linked-data site: each IRI's 303, its page and data documents, its embeddable
JSON-LD, the browse lists and the ontology (see :mod:`projectgraph.web.linked_data.site`)."""

from __future__ import annotations

from fastapi import APIRouter

from projectgraph.web.document_routes import add_document_route
from projectgraph.web.linked_data.graphs import GraphDocuments
from projectgraph.web.linked_data.site import Site

PROJECT = {"kind": "project", "slug": "clusters3"}  # the examples of the API reference


def linked_data_router(site: Site) -> APIRouter:
    """The routes of ``site``'s resources."""
    router = APIRouter()
    add_document_route(
        router,
        "/id/{kind}/{slug}",
        site.dereference,
        "A resource's IRI: 303 to its page or data",
        examples=PROJECT,
    )
    add_document_route(
        router, "/page/{kind}/{slug}", site.page, "A resource's HTML page", examples=PROJECT
    )
    add_document_route(
        router,
        "/data/{kind}/{file}",
        site.data,
        "A resource's data (.ttl, .jsonld, .nt, .rdf)",
        examples={"kind": "project", "file": "clusters3.ttl"},
    )
    add_document_route(
        router,
        "/embed/{kind}/{file}",
        site.embed,
        "A resource as schema.org JSON-LD to embed",
        examples={"kind": "project", "file": "clusters3.jsonld"},
    )
    add_document_route(
        router,
        "/browse/{kind}",
        site.browse,
        "The resources of a kind, by page",
        examples={"kind": "project"},
    )
    add_document_route(router, "/ontology", site.ontology, "The ontology (HTML or RDF by Accept)")
    add_document_route(router, "/ontology{extension:path}", site.ontology)
    add_document_route(
        router,
        "/graph/{key:path}",
        GraphDocuments(site),
        "A named graph: its triples (RDF by Accept or extension) or its page",
        examples={"key": "data/projects/clusters3"},
    )
    return router
