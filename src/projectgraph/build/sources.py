"""The source files a graph is built from, and reading them into quads.

Every source file becomes one named graph (its provenance). Files are parsed with pyoxigraph,
whose syntax errors carry line and column; typed literals are then checked (pyoxigraph accepts
``"2016-13-45"^^xsd:date``) and blank nodes get stable labels so dumps stay byte-identical.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import warnings
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from projectgraph.build.locate import SourceText
from projectgraph.errors import Location, SourceError
from projectgraph.files import read_sha256
from projectgraph.importers.reference import is_generator_input
from projectgraph.rdf.formats import SOURCE_FORMATS
from projectgraph.rdf.terms import from_rdflib, rdflib_graph, to_rdflib
from projectgraph.rdf.vocab import graph_iri, parse_base, slugify
from projectgraph.settings import Settings

# Extensions that look like RDF, in any case: found in a records folder, they are read or refused.
_RDF_LIKE = {*SOURCE_FORMATS, ".trig", ".nq", ".n3", ".owl"}
_XSD = "http://www.w3.org/2001/XMLSchema#"
_UNCHECKED_DATATYPES = {_XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


@dataclass(frozen=True)
class Source:
    """One source file and the named graph its triples go to."""

    path: Path
    key: str  # path relative to the project root, without extension: data/projects/clusters3
    kind: str  # ontology | reference | project | shapes
    graph: str

    def sha256(self) -> str:
        """Checksum of the file's bytes."""
        return read_sha256(self.path)


def discover(settings: Settings, paths: Sequence[Path] | None = None) -> list[Source]:
    """The sources of a build: the ontology, the reference data, and the project records.

    ``paths`` (files or folders) replace the configured project folders, e.g. to validate one
    record; the ontology and reference data always come along so references resolve.
    """
    ontology = settings.ontology.resolve()
    if not ontology.is_file():
        raise SourceError(Location(ontology), "no such file")
    sources = [_source(settings, ontology, "ontology")]
    reference = Path(settings.reference_dir)
    sources += [
        _source(settings, real, "reference")
        for p, real in _rdf_files(reference)
        if not is_generator_input(p, reference)
    ]
    for folder in paths if paths is not None else settings.project_dirs:
        sources += [_source(settings, real, "project") for _, real in _rdf_files(Path(folder))]
    seen: set[Path] = set()
    unique = []
    for s in sources:
        if s.path not in seen:
            seen.add(s.path)
            unique.append(s)
    by_key: dict[str, Source] = {}
    for s in unique:
        if s.key in by_key:
            raise SourceError(
                Location(s.path),
                f"{s.path} and {by_key[s.key].path} would share the named graph {s.graph}; "
                "rename one",
            )
        by_key[s.key] = s
    return unique


def shape_sources(settings: Settings) -> list[Source]:
    """The SHACL shape files."""
    return [_source(settings, real, "shapes") for _, real in _rdf_files(settings.shapes_dir)]


def read(source: Source, base_iri: str) -> list[ox.Quad]:
    """Parse one source into quads of its named graph; raises SourceError with file:line:col."""
    graph = ox.NamedNode(source.graph)
    return [
        ox.Quad(t.subject, t.predicate, t.object, graph) for t in read_triples(source, base_iri)
    ]


def read_triples(source: Source, base_iri: str) -> list[ox.Triple]:
    """Parse one source into triples, checked as :func:`read` checks them (the build names
    the graph in the N-Quads it writes, without making a quad of every triple)."""
    fmt = SOURCE_FORMATS[source.path.suffix]
    try:
        triples = [
            q.triple
            for q in ox.parse(
                path=source.path,
                format=fmt,
                base_iri=parse_base(base_iri),
                without_named_graphs=True,
            )
        ]
    except SyntaxError as e:
        raise SourceError(Location(source.path, e.lineno, e.offset), _syntax_message(e)) from None
    except OSError as e:
        raise SourceError(Location(source.path), e.strerror or str(e)) from None
    # One pass over the triples finds what needs a closer look: typed literals to check,
    # blank nodes or triple terms (types compared exactly: pyoxigraph's are final).
    typed: list[ox.Triple] = []
    unusual = False
    for t in triples:
        o = t.object
        kind = type(o)
        if kind is ox.Literal:
            datatype = o.datatype.value
            if datatype.startswith(_XSD) and datatype not in _UNCHECKED_DATATYPES:
                typed.append(t)
        elif kind is not ox.NamedNode or type(t.subject) is not ox.NamedNode:
            unusual = True
    if unusual:
        _refuse_triple_terms(triples, source, base_iri)
    if typed:
        _check_literals(typed, source, base_iri)
    if unusual and any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples
    ):
        triples = _stable_blank_nodes(triples, source)
    return triples


def _source(settings: Settings, path: Path, kind: str) -> Source:
    """The source of the file at ``path`` (resolved: no symbolic link in it; found a file)."""
    if path.suffix not in SOURCE_FORMATS:
        raise SourceError(
            Location(path),
            f"unknown RDF format {path.suffix!r}; use one of {', '.join(SOURCE_FORMATS)}",
        )
    # The path below the project root, without its suffix, cut from the strings: what
    # ``relative_to(root).with_suffix("")`` gives (resolved paths), without making Path objects
    # (100,000 records: 1.7 s).
    text, root = str(path), _folder_prefix(settings.root)
    if text.startswith(root):
        key = text[len(root) : len(text) - len(path.suffix)]
    else:  # a file outside the project, e.g. a record given on the command line
        key = f"external/{_slug(path.parent.name)}/{slugify(path.stem)}"
    return Source(path=path, key=key, kind=kind, graph=graph_iri(settings.base_iri, key))


@functools.lru_cache(maxsize=64)
def _folder_prefix(folder: Path) -> str:
    """``folder`` as the start of the paths below it."""
    return str(folder).rstrip("/") + "/"


@functools.lru_cache(maxsize=1024)
def _slug(name: str) -> str:
    """A folder's slug, made once for all of its files."""
    return slugify(name)


def _rdf_files(path: Path) -> list[tuple[Path, Path]]:
    """The RDF files in the folder ``path`` and its subfolders, or the file ``path``, sorted:
    each as found under ``path`` and resolved."""
    if path.is_file():
        return [(path, path.resolve())]
    if not path.is_dir():
        raise SourceError(Location(path), "no such file or folder")
    real = path.resolve()
    found: list[tuple[Path, Path]] = []
    _walk(path, real, found)
    for p, _ in found:
        if (
            p.suffix not in SOURCE_FORMATS
        ):  # a record that would otherwise be skipped without a word
            raise SourceError(
                Location(p),
                f"records are one graph each, in {', '.join(SOURCE_FORMATS)} (lower case); "
                f"{p.suffix!r} is not accepted",
            )
    return found


def _walk(folder: Path, real: Path, found: list[tuple[Path, Path]]) -> None:
    """Add the RDF files under ``folder`` (resolved: ``real``) to ``found``, as
    :func:`_rdf_files` gives them, from the directory entries: only a symbolic link is
    resolved (``Path.rglob`` and a ``resolve`` a file took 5.8-6.2 s to discover 100,000
    records, this 3.8-5.2 s). Like rglob, it does not go into linked folders. Each folder's
    entries are taken in the order of their names, so the files come sorted as their paths
    sort (part by part), without comparing 100,000 paths (0.8 s)."""
    with os.scandir(real) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            # Hidden folders are not records: a --project folder keeps its build in
            # DIR/.projectgraph/.
            if not entry.name.startswith("."):
                _walk(folder / entry.name, real / entry.name, found)
        elif os.path.splitext(entry.name)[1].lower() in _RDF_LIKE and entry.is_file():
            name = entry.name
            target = Path(entry.path).resolve() if entry.is_symlink() else real / name
            found.append((folder / name, target))


def _syntax_message(error: SyntaxError) -> str:
    # pyoxigraph: "Parser error at line 3 between columns 11 and 18: The prefix foo: has not
    # been declared"; the position goes in front (file:line:col), the reason stays.
    message = str(error.msg)
    head, sep, reason = message.partition(": ")
    return reason if sep and head.startswith("Parser error") else message


@contextlib.contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for every ill-typed literal; we report them ourselves."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _refuse_triple_terms(triples: list[ox.Triple], source: Source, base_iri: str) -> None:
    """RDF 1.2 triple terms (``<< s p o >>``) are beyond what the shapes, dumps and pages
    handle: refuse them where they are written."""
    for t in triples:
        if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
            text = SourceText(source.path, parse_base(base_iri))
            offset = text.text.find("<<")
            raise SourceError(
                text.location(offset if offset >= 0 else None),
                "RDF 1.2 triple terms (<< ... >>) are not supported in records",
            )


def _check_literals(triples: list[ox.Triple], source: Source, base_iri: str) -> None:
    """Raise on the first ill-typed literal of ``triples`` (whose objects are XSD-typed
    literals of checked datatypes)."""
    bad: list[tuple[ox.Triple, ox.Literal]] = []
    with _quiet_rdflib():
        for t in triples:
            o = t.object
            assert isinstance(o, ox.Literal)
            if _ill_typed_form(o.value, o.datatype.value):
                bad.append((t, o))
        if not bad:
            return
        text = SourceText(source.path, parse_base(base_iri))
        found = sorted(
            ((text.locate(to_rdflib(o), to_rdflib(resource(t.subject))), t, o) for t, o in bad),
            key=lambda item: (item[0].line or 0, item[0].column or 0),
        )
    location, first, literal = found[0]
    datatype = literal.datatype.value.removeprefix(_XSD)
    more = f" (and {len(found) - 1} more ill-typed literal(s))" if len(found) > 1 else ""
    raise SourceError(
        location,
        f'"{literal.value}" is not a valid xsd:{datatype} '
        f"(value of <{first.predicate.value}> on <{resource(first.subject).value}>){more}",
    )


@functools.lru_cache(maxsize=1 << 16)  # dates, flags and codes repeat from record to record
def _ill_typed_form(value: str, datatype: str) -> bool:
    """Whether rdflib finds the lexical form ``value`` invalid for the XSD ``datatype``."""
    converted = to_rdflib(ox.Literal(value, datatype=ox.NamedNode(datatype)))
    return isinstance(converted, Literal) and bool(converted.ill_typed)


def resource(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph,
) -> ox.NamedNode | ox.BlankNode:
    """A subject, non-literal object or graph name of a quad from :func:`read`, as the IRI or
    blank node it is: ``read`` refuses triple terms and puts every quad in a named graph."""
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return term
    raise TypeError(f"not an IRI or blank node: {term}")


def _leaf_labels(triples: list[ox.Triple]) -> dict[str, str] | None:
    """Stable labels for blank nodes that are leaves: each the object of exactly one triple
    whose subject is an IRI, and none linking to another blank node (a geometry, a period):
    a hash of the linking IRI, the property and the node's own statements. None when the
    blank nodes are not all such leaves, or two leaves are alike (canonical labelling then)."""
    parent: dict[str, tuple[str, str]] = {}
    own: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for t in triples:
        if isinstance(t.subject, ox.BlankNode):
            own[t.subject.value].append((t.predicate.value, str(t.object)))
        if isinstance(t.object, ox.BlankNode):
            if t.object.value in parent or not isinstance(t.subject, ox.NamedNode):
                return None
            parent[t.object.value] = (t.subject.value, t.predicate.value)
    if set(own) - set(parent):
        return None  # a blank node no IRI links to
    labels = {
        node: hashlib.sha256(repr((s, p, sorted(own[node]))).encode()).hexdigest()[:24]
        for node, (s, p) in parent.items()
    }
    return labels if len(set(labels.values())) == len(labels) else None


def _stable_blank_nodes(triples: list[ox.Triple], source: Source) -> list[ox.Triple]:
    """Relabel blank nodes, prefixed by the source, so labels never depend on parse order and
    two files never share a blank node: leaves (a geometry hanging off each of 2,000 NUTS
    regions) by a hash of where they hang, anything else canonically (RGDA1, whose refinement
    takes minutes on thousands of look-alike nodes)."""
    prefix = slugify(source.key)
    leaves = _leaf_labels(triples)
    if leaves is not None:

        def relabel(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Any:
            return (
                ox.BlankNode(f"{prefix}-{leaves[node.value]}")
                if isinstance(node, ox.BlankNode)
                else node
            )

        return [ox.Triple(relabel(t.subject), t.predicate, relabel(t.object)) for t in triples]
    canonical = to_canonical_graph(rdflib_graph(triples))

    def term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        converted = from_rdflib(node)
        return (
            ox.BlankNode(f"{prefix}-{converted.value}")
            if isinstance(converted, ox.BlankNode)
            else converted
        )

    # Predicates are IRIs, left as they are.
    return [ox.Triple(resource(term(s)), ox.NamedNode(str(p)), term(o)) for s, p, o in canonical]
