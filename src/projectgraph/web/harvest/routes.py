"""What harvesters and crawlers read, and the home page (see
:mod:`projectgraph.web.harvest.dataset`)."""

from __future__ import annotations

from fastapi import APIRouter

from projectgraph.web.document_routes import add_document_route
from projectgraph.web.harvest.dataset import Harvest


def home_router(harvest: Harvest) -> APIRouter:
    """``/``: what the dataset is, how big, and every way in."""
    router = APIRouter()
    add_document_route(
        router, "/", harvest.home, "The home page: the dataset (HTML, schema.org JSON-LD)", "root"
    )
    return router


def harvest_router(harvest: Harvest) -> APIRouter:
    """VoID, the catalogue, the dumps and context, the releases and their patches, the
    sitemap and robots.txt."""
    router = APIRouter()
    add_document_route(router, "/.well-known/void", harvest.void, "VoID and DCAT-AP description")
    add_document_route(router, "/catalog", harvest.catalog, "The DCAT-AP catalogue page")
    add_document_route(
        router, "/dumps/", harvest.dumps_index, "The published files: sizes, checksums (HTML, DCAT)"
    )
    add_document_route(router, "/dumps", harvest.dumps_index)
    add_document_route(
        router,
        "/dumps/{name}",
        harvest.dump,
        "A dump of the graph",
        examples={"name": "projectgraph.ttl"},
    )
    add_document_route(
        router,
        "/context.jsonld",
        harvest.dump,
        "The JSON-LD context",
        fixed={"name": "context.jsonld"},
    )
    changes, history = harvest.changes, harvest.history
    add_document_route(
        router, "/changes.atom", changes.feed_atom, "The releases, newest first (Atom)"
    )
    add_document_route(
        router, "/changes.json", changes.feed_json, "The releases, newest first (JSON)"
    )
    add_document_route(
        router,
        "/dumps/changes/{number:int}.rdfp.gz",
        changes.patch,
        "A release's RDF Patch from the release before (gzip)",
        examples={"number": "2"},
    )
    resource = {"kind": "project", "slug": "clusters3"}
    add_document_route(
        router,
        "/history/{kind}/{slug}",
        history.history,
        "The releases that changed a resource, with what each changed (HTML, JSON)",
        examples=resource,
    )
    add_document_route(
        router,
        "/timegate/{kind}/{slug}",
        history.timegate,
        "Memento TimeGate: the resource as of Accept-Datetime (302)",
        examples=resource,
    )
    add_document_route(
        router,
        "/timemap/{kind}/{slug}",
        history.timemap,
        "Memento TimeMap of a resource (link format)",
        examples=resource,
    )
    add_document_route(
        router,
        "/memento/{number:int}/{kind}/{slug}",
        history.memento,
        "A resource's statements as of a release (Turtle)",
        examples={"number": "1", **resource},
    )
    add_document_route(router, "/sitemap.xml", harvest.sitemap, "The sitemap (index)")
    add_document_route(router, "/sitemap-{number:int}.xml", harvest.sitemap)
    add_document_route(router, "/robots.txt", harvest.robots, "robots.txt")
    return router
