"""schema.org JSON-LD for pages (``<script type="application/ld+json">``) and /embed/.

Search engines and partner sites read schema.org, not EURIO or ORG, so each page says what its
subject is in schema.org terms: Project (members as OrganizationRole, funding as MonetaryGrant,
areaServed, keywords), Organization, Place, DefinedTerm, Event, CreativeWork, and Dataset for
the catalogue. Every property is used within schema.org's ``domainIncludes`` (checked against
the vocabulary in tests/test_schema_org_terms.py): a Project is an Organization, so its dates
are ``foundingDate``/``dissolutionDate`` and its topics ``keywords``; schema.org has no
property for an organisation's total budget, so the total cost is on the page and in the data,
not here. Like every RDF representation, the JSON-LD names canonical IRIs whatever host served
the page: ``@id`` is the resource's IRI, ``url`` its page at the canonical base.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from projectgraph.rdf.vocab import DCT, EURIO, FOAF, ORG, PG, RDFS, SCHEMA, SKOS
from projectgraph.web.linked_data.view import Description

CONTEXT = "https://schema.org"
_TYPES = {  # our classes -> schema.org types
    str(EURIO.Project): "Project",
    str(EURIO.Organisation): "Organization",
    str(EURIO.FundingScheme): "FundingScheme",
    str(EURIO.AdministrativeArea): "AdministrativeArea",
    str(EURIO.Country): "Country",
    str(SCHEMA.Event): "Event",
    str(PG.Publication): "CreativeWork",
    str(PG.Newsletter): "Periodical",
    str(SKOS.Concept): "DefinedTerm",
    str(SKOS.ConceptScheme): "DefinedTermSet",
    str(ORG.Membership): "OrganizationRole",
}


def describe_jsonld(d: Description) -> dict[str, Any]:
    """The schema.org document for the described resource, by its type."""
    types = set(d.types(d.subject))
    if str(EURIO.Project) in types:
        node = project(d, d.subject)
    elif str(EURIO.Organisation) in types:
        node = organisation(d, d.subject, with_projects=True)
    elif types & {str(EURIO.AdministrativeArea), str(EURIO.Country)}:
        node = place(d, d.subject)
    elif str(SCHEMA.Event) in types:  # entailed for every subclass at build time
        node = event(d, d.subject, with_organizer=True)
    else:
        node = thing(d, d.subject)
    return {"@context": CONTEXT, **node}


def project(d: Description, iri: str) -> dict[str, Any]:
    node = _base(d, iri, "Project")
    node["name"] = d.text(iri, str(EURIO.title)) or d.label(iri)
    acronym = _first(d.iris(iri, str(EURIO.hasAcronym)))
    if acronym and d.text(acronym, str(EURIO.shortForm)):
        node["alternateName"] = d.text(acronym, str(EURIO.shortForm))
    _put(node, "description", d.text(iri, str(PG.objective)))
    _put(node, "foundingDate", d.text(iri, str(EURIO.startDate)))
    _put(node, "dissolutionDate", d.text(iri, str(EURIO.endDate)))
    _put(node, "image", d.text(iri, str(SCHEMA.image)))
    programmes = [
        _ref(d, p, "FundingScheme")
        for grant in d.iris(iri, str(EURIO.isFundedBy))
        for p in d.iris(grant, str(EURIO.hasFundingSchemeProgramme))
    ]
    _put(node, "funder", programmes)
    grants = []
    for grant in d.iris(iri, str(EURIO.isFundedBy)):
        item = _base(d, grant, "MonetaryGrant")
        amount = _first(d.iris(grant, str(EURIO.hasFundingAmount)))
        if amount:
            item["amount"] = _amount(d, amount)
        _put(item, "funder", programmes)
        grants.append(item)
    _put(node, "funding", grants)
    members: list[dict[str, Any]] = []
    for membership in d.iris(iri, str(EURIO.hasInvolvedParty)) or d.referrers(
        str(ORG.organization), iri
    ):
        member = _first(d.iris(membership, str(ORG.member)))
        role = _first(d.iris(membership, str(ORG.role)))
        if member:
            members.append(
                {
                    "@type": "OrganizationRole",
                    "roleName": d.label(role) if role else d.text(membership, str(EURIO.roleLabel)),
                    "member": organisation(d, member),
                }
            )
    _put(node, "member", members)
    areas = {r: place(d, r) for m in members for r in _regions_of(d, m["member"]["@id"])}
    for held in d.iris(iri, str(PG.hasEvent)):
        for location in d.iris(held, str(SCHEMA.location)):
            areas.setdefault(location, place(d, location))
    _put(node, "areaServed", list(areas.values()))
    _put(node, "keywords", [term(d, t) for t in d.iris(iri, str(DCT.subject))])
    _put(node, "event", [event(d, e) for e in d.iris(iri, str(PG.hasEvent))])
    works = [
        thing(d, w) for w in d.iris(iri, str(EURIO.hasResult)) + d.iris(iri, str(PG.hasNewsletter))
    ]
    _put(node, "subjectOf", works)
    accounts = [d.text(a, str(SCHEMA.url)) for a in d.iris(iri, str(FOAF.account))]
    _put(node, "sameAs", [a for a in accounts if a])
    return node


def event(d: Description, iri: str, with_organizer: bool = False) -> dict[str, Any]:
    """An Event as Google's guidance reads it: its dates when the data states them (the
    seed's seminars have none: no date is made up), its location, its organising project."""
    node = _base(d, iri, "Event")
    _put(node, "description", d.text(iri, str(DCT.description)))
    _put(node, "startDate", d.text(iri, str(SCHEMA.startDate)))
    _put(node, "endDate", d.text(iri, str(SCHEMA.endDate)))
    locations = [place(d, location) for location in d.iris(iri, str(SCHEMA.location))]
    _put(node, "location", locations[0] if len(locations) == 1 else locations)
    if with_organizer:
        projects = d.referrers(str(PG.hasEvent), iri)
        _put(node, "organizer", [_ref(d, p, "Project") for p in projects])
    return node


def organisation(d: Description, iri: str, with_projects: bool = False) -> dict[str, Any]:
    node = _base(d, iri, "Organization")
    country = _first(d.located(iri, str(PG.country)))
    if country:
        node["address"] = {"@type": "PostalAddress", "addressCountry": d.label(country)}
    _put(node, "areaServed", [place(d, r) for r in d.located(iri, str(PG.region))])
    _put(node, "url", d.text(iri, str(FOAF.homepage)) or node.get("url"))
    if with_projects:
        roles = []
        for membership in d.referrers(str(ORG.member), iri):
            project_iri = _first(d.iris(membership, str(ORG.organization)))
            role = _first(d.iris(membership, str(ORG.role)))
            if project_iri:
                roles.append(
                    {
                        "@type": "OrganizationRole",
                        "roleName": d.label(role) if role else None,
                        "memberOf": _ref(d, project_iri, "Project"),
                    }
                )
        _put(node, "memberOf", roles)
    return node


def place(d: Description, iri: str) -> dict[str, Any]:
    kind = "Country" if str(EURIO.Country) in d.types(iri) else "AdministrativeArea"
    node = _base(d, iri, kind)
    _put(node, "identifier", d.text(iri, str(SKOS.notation)))
    country = _first(d.iris(iri, str(PG.inCountry)))
    if country:
        node["containedInPlace"] = _ref(d, country, "Country")
    return node


def term(d: Description, iri: str) -> dict[str, Any]:
    node = _base(d, iri, "DefinedTerm")
    scheme = _first(d.iris(iri, str(SKOS.inScheme)))
    if scheme:
        node["inDefinedTermSet"] = _ref(d, scheme, "DefinedTermSet")
    return node


def thing(d: Description, iri: str) -> dict[str, Any]:
    types = [_TYPES[t] for t in d.types(iri) if t in _TYPES]
    node = _base(d, iri, types[0] if types else "Thing")
    _put(node, "description", d.text(iri, str(DCT.description)) or d.text(iri, str(RDFS.comment)))
    _put(node, "creativeWorkStatus", d.text(iri, str(SCHEMA.creativeWorkStatus)))
    _put(node, "genre", d.text(iri, str(SCHEMA.genre)))
    if node["@type"] == "DefinedTerm":
        node.update({k: v for k, v in term(d, iri).items() if k not in node})
    return node


def dataset(info: dict[str, Any]) -> dict[str, Any]:
    """schema:Dataset for the catalogue and home page (``info`` from the VoID/DCAT graph)."""
    return {
        "@context": CONTEXT,
        "@type": "Dataset",
        **{k: v for k, v in info.items() if v not in (None, [], "")},
    }


def script_json(document: dict[str, Any]) -> str:
    """JSON for a ``<script>`` element: '<', '>' and '&' escaped, so no literal (a title
    containing ``</script>``) can end the element early."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _base(d: Description, iri: str, kind: str) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": kind, "@id": iri, "name": d.label(iri)}
    page = d.urls.canonical.page(iri)
    if page:
        node["url"] = page
    return node


def _ref(d: Description, iri: str, kind: str) -> dict[str, Any]:
    return {"@type": kind, "@id": iri, "name": d.label(iri)}


def _regions_of(d: Description, iri: str) -> list[str]:
    return d.located(iri, str(PG.region))


def _amount(d: Description, iri: str) -> dict[str, Any]:
    return {"@type": "MonetaryAmount", **_amount_value(d, iri)}


def _amount_value(d: Description, iri: str) -> dict[str, Any]:
    value = d.text(iri, str(EURIO.value))
    try:
        number: Any = int(Decimal(value)) if Decimal(value) == int(Decimal(value)) else float(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        number = value
    currency = d.text(iri, str(EURIO.currency))
    return {"value": number, "currency": currency} if currency else {"value": number}


def _first(items: list[str]) -> str | None:
    return items[0] if items else None


def _put(node: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        node[key] = value
