"""Publish a build into a remote SPARQL store: a version graph per build, and a pointer.

Layout in the store, for the dataset graph ``G`` (``--graph``, default ``<base>/graph/published``):

- ``G/build/<build id>``: the build's merged graph (its N-Triples dump), one graph per build,
  and ``G/build/<build id>/ontology``, a copy of the ontology's graph (the one source graph the
  site asks for by name; the other per-source graphs are in the dumps);
- ``G`` itself, a small graph holding the pointer ``<G> dct:hasVersion <G/build/<id>>`` and,
  for every complete version, ``dct:identifier`` (the build id), ``void:triples`` and
  ``dct:issued``, and for a build recorded as a release (:mod:`projectgraph.publish.releases`)
  its number (``dcat:version``) and notes (``adms:versionNotes``).

A build is loaded into its own version graph, which no reader is pointed at; its triple count
is checked against the build's manifest; then one update moves the pointer. Readers that
follow the pointer (in one query: ``GRAPH <G> { <G> dct:hasVersion ?v } GRAPH ?v { ... }``)
see the old version or the new one, never a part. ``projectgraph serve --store URL`` queries
the version graph of the build it serves. Publishing a build that is already complete loads
nothing (idempotent); a publish that was interrupted leaves an unrecorded version graph, which
the next publish drops and loads anew. The current and the previous version are kept, so a
server still on the previous build keeps answering, and so is any version whose build a server
on this machine serves (it pins the build folder); older ones are dropped.
"""

from __future__ import annotations

import datetime
import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from projectgraph.errors import ProjectGraphError
from projectgraph.files import in_use
from projectgraph.progress import progress
from projectgraph.publish.dist import BUILD_ID
from projectgraph.publish.releases import (
    Release,
    ReleaseError,
    release_line,
    releases_beside,
    releases_in,
)
from projectgraph.store.client import (
    SparqlStore,
    StoreError,
    ontology_copy,
    version_graph,
)
from projectgraph.store.embedded import MERGED_DUMP
from projectgraph.store.loading import ServedBuild

DCT = "http://purl.org/dc/terms/"
DCAT_VERSION = "http://www.w3.org/ns/dcat#version"
VERSION_NOTES = "http://www.w3.org/ns/adms#versionNotes"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
XSD = "http://www.w3.org/2001/XMLSchema#"
CHUNK_TRIPLES = 20_000  # triples per Graph Store request: a few MB
UPDATE_CHUNK = 2_000  # per INSERT DATA: Virtuoso 7.2.5's parser failed past ~4,990 lines
KEEP_VERSIONS = 2  # the current version and the one before
_BLANK = re.compile(rb"(?:^|\s)_:")


def default_graph(base_iri: str) -> str:
    """The dataset graph when ``--graph`` is not given."""
    return f"{base_iri.rstrip('/')}/graph/published"


@dataclass(frozen=True)
class Version:
    """A complete version recorded in the pointer graph."""

    graph: str
    build_id: str
    triples: int
    issued: str
    release: str = ""  # the release the build was published as (dcat:version), if known


@dataclass(frozen=True)
class State:
    """What the pointer graph says: the current version graph and the complete versions."""

    current: str | None
    versions: dict[str, Version]


@dataclass(frozen=True)
class Outcome:
    """What a publish did."""

    version: str
    triples: int
    loaded: bool  # False: the version was there already
    switched: bool  # False: the pointer already pointed at it
    dropped: tuple[str, ...]
    seconds: float
    release: int | None = None  # the release of the build published (None: not recorded)


def read_state(store: SparqlStore, graph: str) -> State:
    """The pointer and the recorded versions of dataset ``graph``."""
    rows = store.select(
        f"""SELECT ?current ?v ?id ?n ?issued ?release WHERE {{ GRAPH <{graph}> {{
          {{ <{graph}> <{DCT}hasVersion> ?current }}
          UNION {{ ?v <{DCT}identifier> ?id ; <{VOID_TRIPLES}> ?n .
                   OPTIONAL {{ ?v <{DCT}issued> ?issued }}
                   OPTIONAL {{ ?v <{DCAT_VERSION}> ?release }} }}
        }} }}"""
    )
    current = next((r["current"] for r in rows if "current" in r), None)
    versions = {
        r["v"]: Version(r["v"], r["id"], int(r["n"]), r.get("issued", ""), r.get("release", ""))
        for r in rows
        if "v" in r
    }
    return State(current, versions)


def current_version(store: SparqlStore, graph: str, build: ServedBuild) -> str:
    """The version graph of ``build`` if the store holds it complete, else a ProjectGraphError
    that says how to publish it."""
    state = read_state(store, graph)
    version = version_graph(graph, build.build_id)
    recorded = state.versions.get(version)
    if recorded is None or recorded.triples != build.manifest.get("triples"):
        raise ProjectGraphError(
            f"the store at {store.endpoints.query} does not hold build {build.build_id} under "
            f"{graph}; publish it first: projectgraph publish --to <update endpoint> "
            f"--graph {graph}"
        )
    return version


def publish_build(
    store: SparqlStore,
    build: ServedBuild,
    graph: str,
    quiet: bool = True,
    say: Callable[[str], None] = lambda _text: None,
    chunk_triples: int = CHUNK_TRIPLES,
) -> Outcome:
    """Load ``build`` into its version graph (unless complete already), check the count,
    switch the pointer, drop versions older than the previous one."""
    started = datetime.datetime.now(datetime.UTC)
    expected = int(build.manifest["triples"])  # type: ignore[call-overload]
    version = version_graph(graph, build.build_id)
    state = read_state(store, graph)
    recorded = state.versions.get(version)
    loaded = False
    if recorded is None or recorded.triples != expected or store.count(version) != expected:
        say(f"loading {expected} triples into {version}")
        _load(store, build, version, expected, quiet, chunk_triples)
        store.update(
            f"""DELETE WHERE {{ GRAPH <{graph}> {{ <{version}> ?p ?o }} }};
            INSERT DATA {{ GRAPH <{graph}> {{
              <{version}> <{DCT}identifier> {_string(build.build_id)} ;
              <{VOID_TRIPLES}> {expected} ;
              <{DCT}issued> "{started.strftime("%Y-%m-%dT%H:%M:%SZ")}"^^<{XSD}dateTime> }} }}"""
        )
        loaded = True
    release = _release_of(build)
    if release is not None and (
        loaded or recorded is None or recorded.release != str(release.number)
    ):
        # Which release the version is, with its notes: what a reader of the pointer graph
        # sees (the same statements as the catalogue's DCAT versions).
        store.update(
            f"""DELETE WHERE {{ GRAPH <{graph}> {{ <{version}> <{DCAT_VERSION}> ?n }} }};
            DELETE WHERE {{ GRAPH <{graph}> {{ <{version}> <{VERSION_NOTES}> ?notes }} }};
            INSERT DATA {{ GRAPH <{graph}> {{
              <{version}> <{DCAT_VERSION}> {_string(str(release.number))} ;
              <{VERSION_NOTES}> {_string(release_line(release))} }} }}"""
        )
    switched = state.current != version
    if switched:
        # One request, which the store runs as one transaction: readers see the old pointer
        # or the new one (a DELETE/INSERT ... WHERE { OPTIONAL } would be one operation, but
        # Virtuoso finds no solution for an OPTIONAL alone and inserts nothing).
        store.update(
            f"""DELETE WHERE {{ GRAPH <{graph}> {{ <{graph}> <{DCT}hasVersion> ?old }} }};
            INSERT DATA {{ GRAPH <{graph}> {{ <{graph}> <{DCT}hasVersion> <{version}> }} }}"""
        )
    keep = {version} | ({state.current} if state.current and switched else set())
    # A server here serving an older build pins its folder: its version stays in the store.
    served_here = {
        v.graph
        for v in state.versions.values()
        if BUILD_ID.match(v.build_id) and in_use(build.folder.parent / v.build_id)
    }
    dropped = _prune(store, graph, read_state(store, graph), keep, served_here)
    seconds = (datetime.datetime.now(datetime.UTC) - started).total_seconds()
    number = None if release is None else release.number
    return Outcome(version, expected, loaded, switched, dropped, seconds, number)


def _release_of(build: ServedBuild) -> Release | None:
    """The last release recorded of ``build`` beside it (None for a build copied from
    elsewhere, or not recorded)."""
    try:
        known = releases_in(releases_beside(build.folder))
    except ReleaseError:
        return None
    return next((r for r in reversed(known) if r.build_id == build.build_id), None)


def _load(
    store: SparqlStore,
    build: ServedBuild,
    version: str,
    expected: int,
    quiet: bool,
    chunk_triples: int,
) -> None:
    _drop(store, version)  # what an interrupted publish left
    chunks = -(-expected // chunk_triples)
    with progress(f"publishing {build.build_id}", chunks, quiet) as step:
        for number, chunk in enumerate(_chunks(build, chunk_triples), 1):
            store.add_triples(version, chunk)
            step(f"{min(number * chunk_triples, expected)} triples")
    checks = [(version, expected)]
    ontology = build.ontology_graph
    if ontology is not None:
        copy = ontology_copy(version)
        lines = list(_graph_lines(build, ontology))
        store.update(f"DROP SILENT GRAPH <{copy}>")
        for start in range(0, len(lines), chunk_triples):
            store.add_triples(copy, b"".join(lines[start : start + chunk_triples]))
        checks.append((copy, len(set(lines))))
    for name, wanted in checks:
        found = store.count(name)
        if found != wanted:
            _drop(store, version)
            raise StoreError(
                f"the store at {store.endpoints.query} holds {found} triples in {name} after "
                f"loading, the build has {wanted}; the version was dropped and the pointer "
                "left where it was (a store that rewrites literals, e.g. 1.0 and 1.00 as one "
                "number, merges distinct triples)"
            )


def _chunks(build: ServedBuild, size: int) -> Iterator[bytes]:
    """The merged dump's lines in requests of ``size`` triples. Lines with blank nodes go in
    one last request: a store gives each request's blank node labels new nodes, so a blank
    node split over two requests would become two."""
    blank: list[bytes] = []
    batch: list[bytes] = []
    with gzip.open(build.folder / MERGED_DUMP, "rb") as dump:
        for line in dump:
            if not line.strip() or line.startswith(b"#"):
                continue
            if _BLANK.search(line):
                blank.append(line)
                continue
            batch.append(line)
            if len(batch) == size:
                yield b"".join(batch)
                batch = []
    if batch:
        yield b"".join(batch)
    if blank:
        yield b"".join(blank)


def _graph_lines(build: ServedBuild, graph: str) -> Iterator[bytes]:
    """The triples of one named graph of the build, as N-Triples lines, read from its
    frame of the dataset dump (the graph name is the last term of each line)."""
    suffix = f" <{graph}> .".encode()
    for line in build.graph_nquads(graph).splitlines():
        if line.endswith(suffix):
            yield line[: -len(suffix)] + b" .\n"


def _drop(store: SparqlStore, version: str) -> None:
    store.update(f"DROP SILENT GRAPH <{version}>; DROP SILENT GRAPH <{ontology_copy(version)}>")


def _prune(
    store: SparqlStore, graph: str, state: State, keep: set[str], served: set[str]
) -> tuple[str, ...]:
    """Drop recorded versions beyond the kept ones (newest first by issue time), never one
    in ``served``."""
    ordered = sorted(state.versions.values(), key=lambda v: v.issued, reverse=True)
    kept = set(keep)
    for v in ordered:
        if len(kept) >= KEEP_VERSIONS:
            break
        kept.add(v.graph)
    dropped = tuple(v.graph for v in ordered if v.graph not in kept | served)
    for old in dropped:
        _drop(store, old)
        store.update(f"DELETE WHERE {{ GRAPH <{graph}> {{ <{old}> ?p ?o }} }}")
    return dropped


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
