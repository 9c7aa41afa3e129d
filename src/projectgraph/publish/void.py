"""VoID and DCAT-AP description of a build: what harvesters read to find and trust the dumps.

Everything here is computed from the build (counts, checksums, sizes, the period and countries
the data covers) or read from the ``[dataset]`` settings; nothing depends on the clock, so the
description is as deterministic as the dumps.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from projectgraph.build.sources import Source
from projectgraph.publish.dumps import DUMP_FORMATS, WrittenFile
from projectgraph.publish.parts import Stats
from projectgraph.rdf.formats import w3c_format
from projectgraph.rdf.vocab import (
    DCAT,
    DCT,
    FILE_TYPE_AUTHORITY,
    FOAF,
    IANA_MEDIA_TYPES,
    ONTOLOGY_IRI,
    RDF,
    RDFS,
    SPDX,
    STANDARD_PREFIXES,
    VOID,
    XSD,
    compact,
    mint,
    parse_base,
    slugify,
)
from projectgraph.settings import Settings

DATASET_SLUG = "projectgraph"
MAX_LISTED_GRAPHS = 1_000  # above this, VoID describes the graphs by kind, not one by one
_TYPE = ox.NamedNode(str(RDF.type))


def dataset_iri(settings: Settings) -> str:
    """The IRI of the published dataset."""
    return mint(settings.base_iri, "dataset", DATASET_SLUG)


def dump_url(settings: Settings, filename: str) -> str:
    """Where a dump is downloaded from: {base}/dumps/{filename}."""
    return f"{parse_base(settings.base_iri)}dumps/{filename}"


def describe(
    stats: Stats,
    sources: Sequence[Source],
    graph_sizes: dict[str, int],
    settings: Settings,
    dumps: dict[str, WrittenFile],
    sources_sha256: dict[str, str],
) -> list[ox.Triple]:
    """VoID + DCAT-AP triples for the dataset, its distributions and its source graphs."""
    info = settings.dataset
    d = _Triples()
    dataset = ox.NamedNode(dataset_iri(settings))
    catalog = ox.NamedNode(mint(settings.base_iri, "catalog", DATASET_SLUG))
    # The publisher is an agent of ours (it dereferences here, as RDF); its web site is
    # publisher_url, which may be anywhere.
    publisher = ox.NamedNode(mint(settings.base_iri, "agent", "publisher"))
    licence = ox.NamedNode(info.licence)
    uri_space = f"{parse_base(settings.base_iri)}id/"

    d.add(catalog, RDF.type, DCAT.Catalog)
    d.add(catalog, DCT.title, ox.Literal(info.title, language="en"))
    d.add(catalog, DCT.description, ox.Literal(info.description, language="en"))
    d.add(catalog, DCT.publisher, publisher)
    d.add(catalog, DCT.license, licence)
    d.add(catalog, DCT.language, ox.NamedNode(info.language))
    d.add(catalog, DCAT.dataset, dataset)
    d.add(publisher, RDF.type, FOAF.Agent)
    d.add(publisher, FOAF.name, ox.Literal(info.publisher_name))
    d.add(publisher, FOAF.homepage, ox.NamedNode(info.publisher_url))

    for t in (VOID.Dataset, DCAT.Dataset):
        d.add(dataset, RDF.type, t)
    d.add(dataset, DCT.title, ox.Literal(info.title, language="en"))
    d.add(dataset, DCT.description, ox.Literal(info.description, language="en"))
    d.add(dataset, DCT.publisher, publisher)
    d.add(dataset, DCT.license, licence)
    d.add(dataset, DCT.issued, ox.Literal(info.issued, datatype=ox.NamedNode(str(XSD.date))))
    d.add(dataset, DCT.language, ox.NamedNode(info.language))
    d.add(dataset, DCT.conformsTo, ox.NamedNode(ONTOLOGY_IRI))
    for keyword in info.keywords:
        d.add(dataset, DCAT.keyword, ox.Literal(keyword, language="en"))
    for theme in info.themes:
        d.add(dataset, DCAT.theme, ox.NamedNode(theme))

    d.add(dataset, VOID.uriSpace, ox.Literal(uri_space))
    d.add(dataset, VOID.triples, _integer(stats.triples))
    d.add(dataset, VOID.distinctSubjects, _integer(stats.subjects))
    d.add(dataset, VOID.properties, _integer(len(stats.predicates)))
    d.add(dataset, VOID.distinctObjects, _integer(len(stats.objects) // 8))
    d.add(dataset, VOID.entities, _integer(stats.entities))
    d.add(dataset, VOID.classes, _integer(len(stats.classes)))
    for cls, count in sorted(stats.classes.items()):
        partition = ox.NamedNode(
            f"{dataset.value}#class-{slugify(compact(cls, STANDARD_PREFIXES))}"
        )
        d.add(dataset, VOID.classPartition, partition)
        d.add(partition, VOID["class"], ox.NamedNode(cls))
        d.add(partition, VOID.entities, _integer(count))
    used = stats.predicates | set(stats.classes)
    for namespace in sorted(
        ns for ns in STANDARD_PREFIXES.values() if any(i.startswith(ns) for i in used)
    ):
        d.add(dataset, VOID.vocabulary, ox.NamedNode(namespace))
    if stats.first_project:
        d.add(dataset, VOID.exampleResource, ox.NamedNode(stats.first_project))
    _coverage(d, dataset, stats)

    for fmt in DUMP_FORMATS:
        written = dumps[fmt.key]
        url = ox.NamedNode(dump_url(settings, fmt.filename))
        distribution = ox.NamedNode(mint(settings.base_iri, "distribution", slugify(fmt.key)))
        d.add(dataset, VOID.dataDump, url)
        d.add(dataset, VOID.feature, ox.NamedNode(w3c_format(fmt.media_type)))
        d.add(dataset, DCAT.distribution, distribution)
        d.add(distribution, RDF.type, DCAT.Distribution)
        d.add(distribution, DCT.title, ox.Literal(f"{info.title} ({fmt.label})", language="en"))
        d.add(distribution, DCAT.accessURL, url)
        d.add(distribution, DCAT.downloadURL, url)
        d.add(distribution, DCAT.mediaType, ox.NamedNode(IANA_MEDIA_TYPES + fmt.media_type))
        d.add(distribution, DCT["format"], ox.NamedNode(FILE_TYPE_AUTHORITY + fmt.file_type))
        if fmt.gzipped:
            d.add(
                distribution,
                DCAT.compressFormat,
                ox.NamedNode(IANA_MEDIA_TYPES + "application/gzip"),
            )
        d.add(distribution, DCT.license, licence)
        d.add(distribution, DCAT.byteSize, _integer(written.size, XSD.nonNegativeInteger))
        _checksum(d, distribution, written.sha256)

    if len(sources) > MAX_LISTED_GRAPHS:
        _subsets_by_kind(d, dataset, sources, graph_sizes)
        return d.triples
    for source in sources:
        subset = ox.NamedNode(source.graph)
        _subset(d, dataset, subset, f"Graph of {source.path.name} ({source.kind})")
        d.add(
            subset,
            DCT.identifier,
            ox.Literal(
                source.path.relative_to(settings.root).as_posix()
                if source.path.is_relative_to(settings.root)
                else source.path.name
            ),
        )
        d.add(subset, VOID.triples, _integer(graph_sizes[source.graph]))
        _checksum(d, subset, sources_sha256[source.graph])
    return d.triples


def _subsets_by_kind(
    d: _Triples, dataset: ox.NamedNode, sources: Sequence[Source], graph_sizes: dict[str, int]
) -> None:
    """One subset per kind of source (ontology, reference, project): with tens of thousands
    of records, a subset per graph would make the description the size of the data. The
    manifest (``build.json``) still lists every graph with its checksum."""
    kinds: dict[str, list[Source]] = {}
    for source in sources:
        kinds.setdefault(source.kind, []).append(source)
    for kind, members in sorted(kinds.items()):
        subset = ox.NamedNode(f"{dataset.value}#{kind}-graphs")
        _subset(d, dataset, subset, f"Graphs of {kind} sources ({len(members)})")
        d.add(subset, VOID.triples, _integer(sum(graph_sizes[s.graph] for s in members)))


def _subset(d: _Triples, dataset: ox.NamedNode, subset: ox.NamedNode, label: str) -> None:
    """``subset`` as a labelled VoID subset of ``dataset``."""
    d.add(dataset, VOID.subset, subset)
    d.add(subset, RDF.type, VOID.Dataset)
    d.add(subset, RDFS.label, ox.Literal(label, language="en"))


class _Triples:
    """Collects triples; accepts rdflib-namespace terms for brevity."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, s: ox.NamedNode, p: object, o: object) -> None:
        predicate = ox.NamedNode(str(p))
        obj = o if isinstance(o, ox.NamedNode | ox.Literal | ox.BlankNode) else ox.NamedNode(str(o))
        self.triples.append(ox.Triple(s, predicate, obj))


def _integer(n: int, datatype: object = XSD.integer) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(str(datatype)))


def _checksum(d: _Triples, subject: ox.NamedNode, sha256: str) -> None:
    node = ox.NamedNode(
        subject.value + "#sha256" if "#" not in subject.value else subject.value + "-sha256"
    )
    d.add(subject, SPDX.checksum, node)
    d.add(node, RDF.type, SPDX.Checksum)
    d.add(node, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
    d.add(node, SPDX.checksumValue, ox.Literal(sha256, datatype=ox.NamedNode(str(XSD.hexBinary))))


def _coverage(d: _Triples, dataset: ox.NamedNode, stats: Stats) -> None:
    """dct:temporal (earliest start to latest end) and dct:spatial (countries in the data)."""
    if stats.start and stats.end:
        period = ox.NamedNode(dataset.value + "#temporal")
        date = ox.NamedNode(str(XSD.date))
        d.add(dataset, DCT.temporal, period)
        d.add(period, RDF.type, DCT.PeriodOfTime)
        d.add(period, DCAT.startDate, ox.Literal(stats.start, datatype=date))
        d.add(period, DCAT.endDate, ox.Literal(stats.end, datatype=date))
    for country in sorted(stats.countries):
        d.add(dataset, DCT.spatial, ox.NamedNode(country))
