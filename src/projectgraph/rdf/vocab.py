"""Namespaces, prefixes and IRI minting: the one place that knows how projectgraph IRIs look.

Resources are minted under a configurable base IRI as ``{base}/id/{type}/{slug}``. Source files
under ``data/`` and ``shapes/`` write them with base-relative prefixes (``@prefix project:
<id/project/> .``) and are parsed against :func:`parse_base`, so a deployment changes its base in
``projectgraph.toml`` without editing records. The ontology has a fixed namespace: it is shared
by every deployment.
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace

ONTOLOGY_IRI = "https://w3id.org/projectgraph/ontology"
PG = Namespace(ONTOLOGY_IRI + "#")
EURIO = Namespace("http://data.europa.eu/s66#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
DCT = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
SF = Namespace("http://www.opengis.net/ont/sf#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SH = Namespace("http://www.w3.org/ns/shacl#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
VANN = Namespace("http://purl.org/vocab/vann/")

RDF_TYPE = str(RDF.type)  # the IRI, as a plain string

NUTS_CODE = "http://data.europa.eu/nuts/code/"
NUTS_SCHEME = "http://data.europa.eu/nuts/scheme/"  # + the version: 2010, 2013, ... 2024
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
FILE_TYPE_AUTHORITY = EU_AUTHORITY + "file-type/"
LICENCE_AUTHORITY = EU_AUTHORITY + "licence/"
DATA_THEME_AUTHORITY = EU_AUTHORITY + "data-theme/"
COUNTRY_AUTHORITY = EU_AUTHORITY + "country/"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"

# The one prefix table: every namespace projectgraph writes with a prefix, in the order they
# are written. Writers pass it through ``used_prefixes`` (only the prefixes a document uses are
# declared) or pick the few they declare with :func:`prefixes`.
STANDARD_PREFIXES: dict[str, str] = {
    "pg": str(PG),
    "eurio": str(EURIO),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "dct": str(DCT),
    "dcat": str(DCAT),
    "void": str(VOID),
    "skos": str(SKOS),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "spdx": str(SPDX),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "vann": str(VANN),
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "country": COUNTRY_AUTHORITY,
    "nuts": NUTS_CODE,
}
# The namespaces only the dataset (VoID/DCAT) and service descriptions name.
DESCRIPTION_PREFIXES: dict[str, str] = {
    **STANDARD_PREFIXES,
    "filetype": FILE_TYPE_AUTHORITY,
    "licence": LICENCE_AUTHORITY,
    "theme": DATA_THEME_AUTHORITY,
    "sd": str(SD),
    "formats": str(FORMATS),
}


def prefixes(*names: str, table: dict[str, str] = DESCRIPTION_PREFIXES) -> dict[str, str]:
    """The prefixes ``names`` of ``table``, in the order named (KeyError for an unknown one)."""
    return {name: table[name] for name in names}


# The kinds of resource projectgraph mints, as they appear in IRIs: {base}/id/{kind}/{slug}.
RESOURCE_KINDS = (
    "project",
    "organisation",
    "participation",
    "programme",
    "role",
    "topic",
    "phase",
    "event",
    "publication",
    "account",
    "newsletter",
    "source",
    "agent",
    "scheme",
    "dataset",
    "catalog",
    "distribution",
    "service",
    "group",
)

# Properties that give a resource its display label, best first.
LABEL_PROPERTIES = (
    SKOS.prefLabel,
    RDFS.label,
    SCHEMA.name,
    EURIO.title,
    DCT.title,
    FOAF.accountName,
)

_MAX_SLUG = 80


def normalise_base(base_iri: str) -> str:
    """Return the base IRI without a trailing slash (the form settings keep)."""
    return base_iri.rstrip("/")


def parse_base(base_iri: str) -> str:
    """Return the IRI that base-relative source files are parsed against (ends with '/')."""
    return normalise_base(base_iri) + "/"


def resource_prefixes(base_iri: str) -> dict[str, str]:
    """Prefixes for the resources minted under ``base_iri``, one per resource kind."""
    base = parse_base(base_iri)
    return {kind: f"{base}id/{kind}/" for kind in RESOURCE_KINDS}


def all_prefixes(base_iri: str) -> dict[str, str]:
    """Standard prefixes plus the deployment's resource prefixes."""
    return {**STANDARD_PREFIXES, **resource_prefixes(base_iri)}


def slugify(text: str) -> str:
    """Turn a name into a stable, readable IRI segment.

    Accents are folded ("Hajdú-Bihar" -> "hajdu-bihar"), anything but ASCII letters and digits
    becomes one hyphen, and long slugs are cut at a hyphen so IRIs stay readable.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if len(slug) > _MAX_SLUG:
        slug = slug[:_MAX_SLUG].rsplit("-", 1)[0]
    if not slug:
        raise ValueError(f"cannot make an IRI segment from {text!r}")
    return slug


def mint(base_iri: str, kind: str, slug: str) -> str:
    """Return the IRI of a resource: ``{base}/id/{kind}/{slug}``."""
    if kind not in RESOURCE_KINDS:
        raise ValueError(f"unknown resource kind {kind!r}; known: {', '.join(RESOURCE_KINDS)}")
    if slug != slugify(slug):
        raise ValueError(f"{slug!r} is not a slug (expected {slugify(slug)!r})")
    return f"{parse_base(base_iri)}id/{kind}/{slug}"


def participation_slug(project_slug: str, organisation_slug: str) -> str:
    """The slug of an organisation's participation in a project."""
    return f"{project_slug}-{organisation_slug}"


def graph_iri(base_iri: str, source_key: str) -> str:
    """The named graph that holds the triples of one source file.

    ``source_key`` is the file's path relative to the project root without its extension, e.g.
    ``data/projects/clusters3`` -> ``{base}/graph/data/projects/clusters3``.
    """
    return f"{parse_base(base_iri)}graph/{source_key}"


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``prefix:local`` for an IRI in ``prefixes`` (longest namespace wins), else ``<iri>``.

    For display (reports, pages): a local part may hold '#', which Turtle would escape.
    """
    best = ""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(namespace) > len(prefixes.get(best, "")):
            local = iri[len(namespace) :]
            if local and all(c.isalnum() or c in "-_.#" for c in local):
                best = prefix
    return f"{best}:{iri[len(prefixes[best]) :]}" if best else f"<{iri}>"
