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
from projectgraph.publish.releases import Release, release_line
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

DCATAP = "http://data.europa.eu/r5r/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
DATA_THEMES = "http://publications.europa.eu/resource/authority/data-theme"
STABLE = "http://publications.europa.eu/resource/authority/planned-availability/STABLE"
# DCAT-AP 3.0.1's range classes for the values it expects typed (SEMIC's range shapes): each
# value of such a property is stated to be of its class, as DCAT-AP harvesters check.
RANGE_CLASSES = {
    str(DCT.license): str(DCT.LicenseDocument),
    str(DCT.spatial): str(DCT.Location),
    str(DCAT.mediaType): str(DCT.MediaType),
    str(DCAT.compressFormat): str(DCT.MediaType),
    str(DCT["format"]): str(DCT.MediaTypeOrExtent),
    str(DCT.language): str(DCT.LinguisticSystem),
    str(DCT.conformsTo): str(DCT.Standard),
    str(DCAT.landingPage): str(FOAF.Document),
    str(DCAT.theme): SKOS_CONCEPT,
    str(DCAT.themeTaxonomy): "http://www.w3.org/2004/02/skos/core#ConceptScheme",
    str(SPDX.algorithm): str(SPDX.ChecksumAlgorithm),
    DCATAP + "availability": SKOS_CONCEPT,
    # SEMIC's shapes ask for these as rdfs:Resource, stated (they do no RDFS inference)
    str(DCAT.endpointURL): str(RDFS.Resource),
    str(DCAT.endpointDescription): str(RDFS.Resource),
}
# The EU data themes (the Publications Office's authority table), with their English labels:
# DCAT-AP asks a theme for its label, and the theme table for its title.
DATA_THEME_LABELS = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "OP_DATPRO": "Provisional data",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}
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
    d.add(catalog, FOAF.homepage, ox.NamedNode(parse_base(settings.base_iri)))
    d.add(catalog, DCT.issued, ox.Literal(info.issued, datatype=ox.NamedNode(str(XSD.date))))
    d.add(catalog, DCAT.themeTaxonomy, ox.NamedNode(DATA_THEMES))
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
    contact = ox.NamedNode(dataset.value + "#contact")
    d.add(dataset, DCAT.contactPoint, contact)
    d.add(contact, RDF.type, VCARD + "Kind")
    d.add(contact, VCARD + "fn", ox.Literal(info.publisher_name))
    d.add(contact, VCARD + "hasURL", ox.NamedNode(info.publisher_url))
    for keyword in info.keywords:
        d.add(dataset, DCAT.keyword, ox.Literal(keyword, language="en"))
    d.add(ox.NamedNode(DATA_THEMES), DCT.title, ox.Literal("Data theme", language="en"))
    for theme in info.themes:
        d.add(dataset, DCAT.theme, ox.NamedNode(theme))
        label = DATA_THEME_LABELS.get(theme.removeprefix(DATA_THEMES + "/"))
        if label:
            d.add(ox.NamedNode(theme), SKOS_PREF_LABEL, ox.Literal(label, language="en"))

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

    d.add(ox.NamedNode(STABLE), SKOS_PREF_LABEL, ox.Literal("stable", language="en"))
    for fmt in DUMP_FORMATS:
        written = dumps[fmt.key]
        url = ox.NamedNode(dump_url(settings, fmt.filename))
        distribution = ox.NamedNode(mint(settings.base_iri, "distribution", slugify(fmt.key)))
        d.add(dataset, VOID.dataDump, url)
        d.add(dataset, VOID.feature, ox.NamedNode(w3c_format(fmt.media_type)))
        d.add(dataset, DCAT.distribution, distribution)
        d.add(distribution, RDF.type, DCAT.Distribution)
        d.add(distribution, DCT.title, ox.Literal(f"{info.title} ({fmt.label})", language="en"))
        d.add(
            distribution,
            DCT.description,
            ox.Literal(f"The whole dataset as one {fmt.label} file.", language="en"),
        )
        d.add(distribution, DCATAP + "availability", ox.NamedNode(STABLE))
        d.add(distribution, DCAT.accessURL, url)
        d.add(distribution, DCAT.downloadURL, url)
        d.add(distribution, DCAT.mediaType, ox.NamedNode(IANA_MEDIA_TYPES + fmt.media_type))
        d.add(distribution, DCT["format"], ox.NamedNode(FILE_TYPE_AUTHORITY + fmt.file_type))
        if fmt.compression:
            d.add(
                distribution, DCAT.compressFormat, ox.NamedNode(IANA_MEDIA_TYPES + fmt.compression)
            )
        d.add(distribution, DCT.license, licence)
        d.add(distribution, DCAT.byteSize, _integer(written.size, XSD.nonNegativeInteger))
        _checksum(d, distribution, written.sha256)

    _services(d, dataset, settings)
    if len(sources) > MAX_LISTED_GRAPHS:
        _subsets_by_kind(d, dataset, sources, graph_sizes)
        return _typed(d.triples)
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
    return _typed(d.triples)


def _services(d: _Triples, dataset: ox.NamedNode, settings: Settings) -> None:
    """The SPARQL endpoint and the named-query API as DCAT data services serving the dataset
    (what data.europa.eu reads to list an API)."""
    base = parse_base(settings.base_iri)
    services = (
        ("sparql", "SPARQL 1.1 endpoint", base + "sparql", base + "sparql"),
        ("api", "Named-query API (JSON, CSV, RDF)", base + "api/queries", base + "openapi.json"),
    )
    for slug, title, endpoint, description in services:
        service = ox.NamedNode(mint(settings.base_iri, "service", slug))
        d.add(service, RDF.type, DCAT.DataService)
        d.add(service, DCT.title, ox.Literal(title, language="en"))
        d.add(service, DCAT.endpointURL, ox.NamedNode(endpoint))
        d.add(service, DCAT.endpointDescription, ox.NamedNode(description))
        d.add(service, DCAT.servesDataset, dataset)
        d.add(service, DCT.license, ox.NamedNode(settings.dataset.licence))


def _typed(triples: list[ox.Triple]) -> list[ox.Triple]:
    """``triples`` with the DCAT-AP range class of each value that has one (once each)."""
    typed = {
        (t.object.value, RANGE_CLASSES[t.predicate.value])
        for t in triples
        if t.predicate.value in RANGE_CLASSES and isinstance(t.object, ox.NamedNode)
    }
    stated = {
        (t.subject.value, t.object.value)
        for t in triples
        if t.predicate == _TYPE
        and isinstance(t.subject, ox.NamedNode)
        and isinstance(t.object, ox.NamedNode)
    }
    return triples + [
        ox.Triple(ox.NamedNode(value), _TYPE, ox.NamedNode(cls))
        for value, cls in sorted(typed - stated)
    ]


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


ADMS = "http://www.w3.org/ns/adms#"
RDF_PATCH = "https://afs.github.io/rdf-patch/"  # what a release's patch conforms to


def describe_releases(settings: Settings, releases: Sequence[Release]) -> list[ox.Triple]:
    """The dataset's versions the DCAT 3 way, one per release (``releases``, oldest first;
    the last is the one served): each a ``dcat:Dataset`` that ``dcat:isVersionOf`` the
    dataset, with its number, date, notes and ``dcat:previousVersion``, and its RDF Patch from
    the release before as a distribution. Not in the build's own VoID (a build's bytes do not
    depend on when or after what it was published): added where the catalogue is served."""
    if not releases:
        return []
    info = settings.dataset
    d = _Triples()
    dataset = ox.NamedNode(dataset_iri(settings))
    licence = ox.NamedNode(info.licence)
    issued = ox.NamedNode(str(XSD.dateTime))
    latest = releases[-1]
    d.add(dataset, DCAT.version, ox.Literal(str(latest.number)))
    d.add(dataset, DCT.modified, ox.Literal(latest.issued, datatype=issued))
    d.add(dataset, ADMS + "versionNotes", ox.Literal(release_line(latest), language="en"))
    for release in releases:
        version = ox.NamedNode(f"{dataset.value}#release-{release.number}")
        d.add(dataset, DCAT.hasVersion, version)
        d.add(version, RDF.type, DCAT.Dataset)
        d.add(version, DCAT.isVersionOf, dataset)
        d.add(
            version, DCT.title, ox.Literal(f"{info.title}, release {release.number}", language="en")
        )
        d.add(version, DCT.description, ox.Literal(release_line(release), language="en"))
        d.add(version, ADMS + "versionNotes", ox.Literal(release_line(release), language="en"))
        d.add(version, DCAT.version, ox.Literal(str(release.number)))
        d.add(version, DCT.identifier, ox.Literal(release.build_id))
        d.add(version, DCT.issued, ox.Literal(release.issued, datatype=issued))
        d.add(version, DCT.publisher, ox.NamedNode(mint(settings.base_iri, "agent", "publisher")))
        d.add(version, DCT.license, licence)
        if release.previous is not None:
            d.add(
                version,
                DCAT.previousVersion,
                ox.NamedNode(f"{dataset.value}#release-{release.previous}"),
            )
        if release.patch is None:
            continue
        patch = ox.NamedNode(f"{dataset.value}#release-{release.number}-patch")
        url = ox.NamedNode(dump_url(settings, f"changes/{release.number}.rdfp.gz"))
        d.add(version, DCAT.distribution, patch)
        d.add(patch, RDF.type, DCAT.Distribution)
        d.add(
            patch,
            DCT.title,
            ox.Literal(
                f"RDF Patch from release {release.previous} to {release.number}", language="en"
            ),
        )
        d.add(
            patch,
            DCT.description,
            ox.Literal(
                "The quads of the named graphs this release removed (D) and added (A), gzipped.",
                language="en",
            ),
        )
        d.add(patch, DCAT.accessURL, url)
        d.add(patch, DCAT.downloadURL, url)
        d.add(patch, DCT.conformsTo, ox.NamedNode(RDF_PATCH))
        d.add(patch, DCAT.compressFormat, ox.NamedNode(IANA_MEDIA_TYPES + "application/gzip"))
        d.add(patch, DCATAP + "availability", ox.NamedNode(STABLE))
        d.add(patch, DCT.license, licence)
        d.add(patch, DCAT.byteSize, _integer(release.patch["bytes"], XSD.nonNegativeInteger))
        _checksum(d, patch, release.patch["sha256"])
    return _typed(d.triples)
