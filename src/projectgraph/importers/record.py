"""A project record as importers read it from any source, and the RDF it becomes.

Importers fill a :class:`ProjectRecord` (what the source says, already matched to the
reference data); :func:`record_turtle` turns it into the Turtle file written under
``data/projects/``, in the vocabulary of the hand-written records. IRIs come from stable keys
(the acronym, the organisation's identifier or name), so the same source always gives the same
bytes; provenance says which file, which part of it (by checksum) and which importer version,
with no clock time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from projectgraph import __version__
from projectgraph.importers.reference import Concept
from projectgraph.importers.values import money_literal, months
from projectgraph.rdf.serialize import turtle, used_prefixes
from projectgraph.rdf.vocab import (
    DCT,
    EURIO,
    FOAF,
    ORG,
    PG,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SPDX,
    STANDARD_PREFIXES,
    XSD,
    mint,
    parse_base,
    participation_slug,
    resource_prefixes,
    slugify,
)

# Records are written like the hand-written ones: rdf:type as "a", so without the rdf prefix.
_PREFIXES = {p: ns for p, ns in STANDARD_PREFIXES.items() if p != "rdf"}
_NON_NEGATIVE = ox.NamedNode(str(XSD.nonNegativeInteger))  # EURIO's range of eurio:duration
# eurio:roleLabel takes one of five values (an owl:oneOf in EURIO 2.4); our roles by notation
# onto them. The role as the source words it is the participation's org:role.
EURIO_ROLE_LABELS = {
    "coordinator": "coordinator",
    "participant": "participant",
    "thirdParty": "third party",
}


@dataclass
class Organisation:
    """An organisation as the source names it, with what could be matched."""

    slug: str  # from its identifier, or its name (see :func:`organisation_slug`)
    name: str
    country: Concept | None = None
    region: Concept | None = None
    cluster: bool | None = None
    website: str | None = None
    identifier: str | None = None
    short_name: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Partner:
    """One organisation's participation in the project."""

    organisation: Organisation
    role: Concept
    function: str  # the role as the source writes it ("Coordinator", "participant")
    described_role: Concept | None = None
    note: str | None = None


@dataclass
class Phase:
    number: int
    name: str
    description: str


@dataclass
class Seminar:
    """An event held in a NUTS region; ``kind`` is its class (a term of the ontology)."""

    region: Concept
    place: str  # as the text names it ("the Basque Country")
    name: str
    kind: str
    phase: int | None = None


@dataclass
class SourceInput:
    """The input a record was made from: a file, and the part of it that holds the record."""

    files: tuple[str, ...]  # file names
    media_type: str
    title: str  # what the source is, in words
    sha256: str  # of the bytes the record was made from


@dataclass
class ProjectRecord:
    """Everything an importer found out about one project."""

    acronym: str
    title: str
    programme: Concept
    start: dt.date | None = None
    end: dt.date | None = None
    total_cost: Decimal | None = None
    total_cost_text: str | None = None
    eu_contribution: Decimal | None = None
    eu_contribution_text: str | None = None
    label: str | None = None
    identifier: str | None = None
    texts: dict[str, str] = field(default_factory=dict)  # pg:background, eurio:abstract, ...
    topics: list[Concept] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    events: list[Seminar] = field(default_factory=list)
    image: str | None = None
    newsletter: str | None = None
    twitter: str | None = None
    partners: list[Partner] = field(default_factory=list)
    source: SourceInput | None = None

    @property
    def slug(self) -> str:
        return slugify(self.acronym)


def organisation_slug(name: str, identifier: str | None = None, scheme: str = "") -> str:
    """An organisation's slug: from its identifier where the source has one
    (``pic-999993953``), else from its name."""
    if identifier:
        return slugify(f"{scheme}-{identifier}" if scheme else identifier)
    return slugify(name)


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class _Graph:
    """Collects the triples of one record, with IRIs minted under the base."""

    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri
        self.base = parse_base(base_iri)
        self.triples: list[ox.Triple] = []

    def iri(self, kind: str, slug: str, fragment: str = "") -> ox.NamedNode:
        # The slugs here come from slugify already; mint() would check them again per call.
        return ox.NamedNode(f"{self.base}id/{kind}/{slug}" + (f"#{fragment}" if fragment else ""))

    def add(self, s: ox.NamedNode, p: object, o: object) -> None:
        if isinstance(o, ox.NamedNode | ox.Literal):
            obj = o
        elif isinstance(o, bool):
            obj = ox.Literal("true" if o else "false", datatype=ox.NamedNode(str(XSD.boolean)))
        elif isinstance(o, int):
            obj = ox.Literal(str(o), datatype=ox.NamedNode(str(XSD.integer)))
        elif isinstance(o, dt.date):
            obj = ox.Literal(o.isoformat(), datatype=ox.NamedNode(str(XSD.date)))
        elif isinstance(o, Decimal):
            obj = ox.Literal(money_literal(o), datatype=ox.NamedNode(str(XSD.decimal)))
        else:
            obj = ox.NamedNode(str(o))
        self.triples.append(ox.Triple(s, ox.NamedNode(str(p)), obj))

    def text(self, s: ox.NamedNode, p: object, value: str, english: bool = True) -> None:
        self.triples.append(
            ox.Triple(
                s,
                ox.NamedNode(str(p)),
                ox.Literal(value, language="en") if english else ox.Literal(value),
            )
        )


def record_triples(record: ProjectRecord, base_iri: str) -> list[ox.Triple]:
    """The triples of ``record``, in the vocabulary of the hand-written records."""
    g = _Graph(base_iri)
    slug = record.slug
    project = g.iri("project", slug)
    programme = ox.NamedNode(record.programme.iri)
    g.add(project, RDF.type, EURIO.Project)
    g.add(project, RDF.type, ORG.OrganizationalCollaboration)
    if record.label:
        g.text(project, RDFS.label, record.label)
    g.text(project, EURIO.title, record.title, english=False)  # EURIO: an xsd:string
    acronym = g.iri("project", slug, "acronym")
    g.add(project, EURIO.hasAcronym, acronym)
    g.add(acronym, RDF.type, EURIO.Acronym)
    g.text(acronym, EURIO.shortForm, record.acronym, english=False)
    if record.identifier:
        g.text(project, EURIO.identifier, record.identifier, english=False)
    if record.start:
        g.add(project, EURIO.startDate, record.start)
    if record.end:
        g.add(project, EURIO.endDate, record.end)
    if record.start and record.end:
        duration = str(months(record.start, record.end))
        g.add(project, EURIO.duration, ox.Literal(duration, datatype=_NON_NEGATIVE))
    if record.total_cost is not None:
        cost = g.iri("project", slug, "total-cost")
        g.add(project, EURIO.hasTotalCost, cost)
        _amount(g, cost, record.total_cost, record.total_cost_text)
    # EURIO funds a project by a grant, and the grant is awarded under the programme: the
    # grant is stated even when the source gives no amount, for the programme's sake.
    grant = g.iri("project", slug, "grant")
    g.add(project, EURIO.isFundedBy, grant)
    g.add(grant, RDF.type, EURIO.Grant)
    g.text(grant, RDFS.label, f"EU contribution to {record.acronym}")
    g.add(grant, EURIO.hasFundingSchemeProgramme, programme)
    if record.eu_contribution is not None:
        amount = g.iri("project", slug, "eu-contribution")
        g.add(grant, EURIO.hasFundingAmount, amount)
        _amount(g, amount, record.eu_contribution, record.eu_contribution_text)
    for prop, text in sorted(record.texts.items()):
        g.text(project, prop, text)
    for topic in record.topics:
        g.add(project, DCT.subject, topic.iri)
    for phase in record.phases:
        node = g.iri("phase", f"{slug}-{phase.number}")
        g.add(project, PG.hasPhase, node)
        g.add(node, RDF.type, PG.Phase)
        g.text(node, RDFS.label, f"Phase {phase.number} - {phase.name}")
        g.text(node, SCHEMA.name, phase.name)
        g.add(node, SCHEMA.position, phase.number)
        g.text(node, DCT.description, phase.description)
    for event in record.events:
        node = g.iri("event", f"{slug}-seminar-{slugify(event.region.notation)}")
        g.add(project, PG.hasEvent, node)
        g.add(node, RDF.type, event.kind)
        g.text(node, SCHEMA.name, event.name)
        g.add(node, SCHEMA.location, event.region.iri)
        if event.phase is not None:
            g.add(node, DCT.isPartOf, g.iri("phase", f"{slug}-{event.phase}"))
    if record.image:
        g.add(project, SCHEMA.image, record.image)
    if record.newsletter:
        node = g.iri("newsletter", slug)
        g.add(project, PG.hasNewsletter, node)
        g.add(node, RDF.type, PG.Newsletter)
        g.text(node, SCHEMA.name, record.newsletter)
    if record.twitter:
        node = g.iri("account", f"{slug}-twitter")
        g.add(project, FOAF.account, node)
        g.add(node, RDF.type, FOAF.OnlineAccount)
        g.text(node, RDFS.label, f"@{record.twitter} on Twitter")
        g.text(node, FOAF.accountName, record.twitter, english=False)
        g.add(node, FOAF.accountServiceHomepage, "https://twitter.com/")
        g.add(node, SCHEMA.url, f"https://twitter.com/{record.twitter}")
    described: set[str] = set()
    for partner in record.partners:
        _partner(g, project, record, partner, described)
    if record.source:
        _provenance(g, project, record, record.source)
    return g.triples


def _amount(g: _Graph, node: ox.NamedNode, value: Decimal, text: str | None) -> None:
    g.add(node, RDF.type, EURIO.MonetaryAmount)
    if text:
        g.text(node, RDFS.label, text, english=False)
    g.add(node, EURIO.value, value)
    g.text(node, EURIO.currency, "EUR", english=False)


def _partner(
    g: _Graph, project: ox.NamedNode, record: ProjectRecord, partner: Partner, described: set[str]
) -> None:
    o = partner.organisation
    org = g.iri("organisation", o.slug)
    if o.slug not in described:  # an organisation with two roles is described once
        described.add(o.slug)
        g.add(org, RDF.type, EURIO.Organisation)
        g.add(org, RDF.type, ORG.Organization)
        g.text(org, SKOS.prefLabel, o.name, english=False)
        if o.short_name:
            g.text(org, SKOS.altLabel, o.short_name, english=False)
        if o.identifier:
            g.text(org, DCT.identifier, o.identifier, english=False)
        if o.country or o.region:  # EURIO places an organisation by its site
            site = g.iri("organisation", o.slug, "site")
            g.add(org, EURIO.hasSite, site)
            g.add(site, RDF.type, EURIO.Site)
            g.text(site, RDFS.label, f"Site of {o.name}", english=False)
            if o.country:
                g.add(site, PG.country, o.country.iri)
            if o.region:
                g.add(site, PG.region, o.region.iri)
        if o.notes:
            g.text(org, SKOS.editorialNote, " ".join(o.notes))
        if o.cluster is not None:
            g.add(org, PG.isClusterOrganisation, o.cluster)
        if o.website:
            g.add(org, FOAF.homepage, o.website)
    slug = participation_slug(record.slug, o.slug)
    if f"participation:{slug}" in described:  # the organisation's second role here
        slug = f"{slug}-{slugify(partner.role.notation or partner.function)}"
    described.add(f"participation:{slug}")
    node = g.iri("participation", slug)
    g.add(project, EURIO.hasInvolvedParty, node)
    g.add(node, RDF.type, ORG.Membership)
    g.add(node, RDF.type, EURIO.OrganisationRole)
    g.text(node, RDFS.label, f"{o.name} in {record.acronym}: {partner.function}")
    g.add(node, ORG.organization, project)
    g.add(node, ORG.member, org)
    g.add(node, ORG.role, partner.role.iri)
    if partner.described_role:
        g.add(node, PG.describedRole, partner.described_role.iri)
    if partner.note:
        g.text(node, SKOS.editorialNote, partner.note)
    g.add(node, EURIO.isInvolvedIn, project)
    g.add(node, EURIO.isRoleOf, org)
    label = EURIO_ROLE_LABELS.get(partner.role.notation, "partner")
    g.text(node, EURIO.roleLabel, label, english=False)


def _provenance(g: _Graph, project: ox.NamedNode, record: ProjectRecord, src: SourceInput) -> None:
    activity = g.iri("project", record.slug, "import")
    checksum = g.iri("project", record.slug, "import-input-sha256")
    agent = g.iri("agent", slugify(f"projectgraph-import-{__version__}"))
    g.add(project, PROV.wasGeneratedBy, activity)
    g.add(activity, RDF.type, PROV.Activity)
    g.text(activity, RDFS.label, f"Import of {record.acronym} from {', '.join(src.files)}")
    g.add(activity, PROV.wasAssociatedWith, agent)
    g.add(activity, SPDX.checksum, checksum)
    g.add(checksum, RDF.type, SPDX.Checksum)
    g.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
    g.add(
        checksum,
        SPDX.checksumValue,
        ox.Literal(src.sha256, datatype=ox.NamedNode(str(XSD.hexBinary))),
    )
    g.add(agent, RDF.type, PROV.SoftwareAgent)
    g.text(agent, RDFS.label, f"projectgraph import {__version__}")
    g.text(agent, SCHEMA.softwareVersion, __version__, english=False)
    for name in src.files:
        file = g.iri("source", slugify(name))
        g.add(project, PROV.wasDerivedFrom, file)
        g.add(activity, PROV.used, file)
        g.add(file, RDF.type, PROV.Entity)
        g.add(file, RDF.type, FOAF.Document)
        g.text(file, RDFS.label, src.title if len(src.files) == 1 else f"{src.title}: {name}")
        g.text(file, DCT.identifier, name, english=False)
        g.text(file, DCT["format"], src.media_type, english=False)


def record_turtle(record: ProjectRecord, base_iri: str, header: str) -> bytes:
    """The record as a Turtle file: ``header`` as comments, then the triples in a stable order
    (the same record always gives the same bytes), with the IRIs minted under the base written
    relative to it, as in hand-written records, so the build's configured base resolves them."""
    base = parse_base(base_iri)
    triples = sorted(set(record_triples(record, base_iri)), key=_order(record, base))
    prefixes = used_prefixes(triples, {**_PREFIXES, **resource_prefixes(base_iri)})
    body = turtle(triples, prefixes).decode("utf-8")
    # Only the deployment's own IRIs become relative (never schema.org's or the ontology's).
    body = body.replace(f"<{base}id/", "<id/")
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return (comments + "\n" + body).encode("utf-8")


def _order(record: ProjectRecord, base: str):
    """Subjects in reading order (the project first, then its parts by kind), then by IRI."""
    kinds = (
        "project",
        "phase",
        "event",
        "newsletter",
        "account",
        "organisation",
        "participation",
        "source",
    )

    project = mint(base, "project", record.slug)
    ids = base + "id/"

    def key(t: ox.Triple) -> tuple:
        s = t.subject.value  # type: ignore[union-attr]
        kind = s[len(ids) :].split("/", 1)[0] if s.startswith(ids) else "~"
        rank = kinds.index(kind) if kind in kinds else len(kinds)
        main = 0 if s == project else 1
        return (rank, main, s, t.predicate.value != str(RDF.type), t.predicate.value, str(t.object))

    return key
