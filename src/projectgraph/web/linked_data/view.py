"""A description's triples, indexed for templates: values, labels, links, formatted values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from projectgraph.rdf.vocab import EURIO, LABEL_PROPERTIES, ORG, PG, RDF, RDFS, SCHEMA, SKOS
from projectgraph.web.linked_data.urls import Urls
from projectgraph.web.terms import Term, object_of, subject_of

_TYPE = str(RDF.type)
_LABELS = [str(p) for p in LABEL_PROPERTIES]
_CURRENCY_SIGNS = {"EUR": "€", "GBP": "£", "USD": "$"}


class Description:
    """The triples about a resource and its neighbours, with lookups in both directions."""

    def __init__(
        self, subject: str, triples: list[ox.Triple], urls: Urls, vocabulary: Mapping[str, str]
    ) -> None:
        self.subject = subject
        self.urls = urls
        self.vocabulary = vocabulary  # labels of properties and classes, from the ontology
        self.out: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.into: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            key = _key(subject_of(t))
            value = object_of(t)
            self.out[key][t.predicate.value].append(value)
            if not isinstance(value, ox.Literal):
                self.into[_key(value)][t.predicate.value].append(key)

    @property
    def found(self) -> bool:
        return self.subject in self.out or self.subject in self.into

    def values(self, subject: str, predicate: str) -> list[Term]:
        """Objects of ``subject predicate ?o``, in label order."""
        return sorted(self.out.get(subject, {}).get(predicate, []), key=self.label)

    def value(self, subject: str, predicate: str) -> Term | None:
        """One object (an English one for language-tagged text)."""
        found = self.out.get(subject, {}).get(predicate, [])
        if not found:
            return None
        return min(found, key=lambda t: (not _english(t), str(t)))

    def text(self, subject: str, predicate: str) -> str | None:
        term = self.value(subject, predicate)
        return term.value if term is not None else None

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [t.value for t in self.values(subject, predicate) if isinstance(t, ox.NamedNode)]

    def referrers(self, predicate: str, obj: str | None = None) -> list[str]:
        """Subjects of ``?s predicate obj`` (obj defaults to the described resource)."""
        return sorted(
            set(self.into.get(obj or self.subject, {}).get(predicate, [])), key=self.label
        )

    def types(self, subject: str) -> list[str]:
        return self.iris(subject, _TYPE)

    def label(self, term: Term | str) -> str:
        """A human label: the resource's own label, the ontology's for terms, else its name."""
        if isinstance(term, ox.Literal):
            return term.value
        key = term if isinstance(term, str) else _key(term)
        properties = self.out.get(key, {})
        for prop in _LABELS:
            labels = properties.get(prop)
            if labels:
                return min(labels, key=lambda t: (not _english(t), str(t))).value
        if key in self.vocabulary:
            return self.vocabulary[key]
        return key.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or key

    def href(self, term: Term | str) -> str | None:
        """Where a link to ``term`` goes (None for literals and blank nodes)."""
        if isinstance(term, str):
            return self.urls.href(term)
        if isinstance(term, ox.NamedNode):
            return self.urls.href(term.value)
        return None

    def property_rows(self, subject: str) -> list[tuple[str, str, list[Term]]]:
        """(property IRI, property label, values) for a generic table, type first."""
        rows = [(p, self.label(p), self.values(subject, p)) for p in self.out.get(subject, {})]
        return sorted(rows, key=lambda r: (r[0] != _TYPE, r[0] not in _LABELS, r[1].lower()))

    def inbound_rows(self, subject: str) -> list[tuple[str, str, list[str]]]:
        """(property IRI, property label, subjects linking here with it)."""
        rows = [(p, self.label(p), self.referrers(p, subject)) for p in self.into.get(subject, {})]
        return sorted(rows, key=lambda r: r[1].lower())

    def located(self, subject: str, predicate: str) -> list[str]:
        """Where an organisation is, through its sites (eurio:hasSite): the objects of
        ``predicate`` (pg:country, pg:region) on each of them."""
        sites = self.iris(subject, str(EURIO.hasSite))
        return list(dict.fromkeys(x for site in sites for x in self.iris(site, predicate)))

    def sited(self, predicate: str, place: str | None = None) -> list[str]:
        """The organisations with a site at ``place`` (the described resource by default) by
        ``predicate``: a site is a hash part of its organisation's IRI."""
        sites = self.referrers(predicate, place)
        owners = dict.fromkeys(site.partition("#")[0] for site in sites)
        return sorted(owners, key=self.label)

    def parts(self) -> list[str]:
        """The hash-IRI parts of the described resource (#total-cost, #grant, ...)."""
        prefix = self.subject + "#"
        return sorted(k for k in self.out if k.startswith(prefix))


def partners(d: Description, project: str) -> list[dict[str, Any]]:
    """The partnership table of a project: one row per participation, coordinator first."""
    memberships = d.iris(project, str(EURIO.hasInvolvedParty)) or d.referrers(
        str(ORG.organization), project
    )
    rows: list[dict[str, Any]] = []
    for membership in memberships:
        member = next(iter(d.iris(membership, str(ORG.member))), None)
        roles = d.iris(membership, str(ORG.role))
        rows.append(
            {
                "membership": membership,
                "organisation": member,
                "roles": roles,
                "described": d.iris(membership, str(PG.describedRole)),
                "countries": d.located(member, str(PG.country)) if member else [],
                "regions": d.located(member, str(PG.region)) if member else [],
                "cluster": d.text(member, str(PG.isClusterOrganisation)) if member else None,
            }
        )
    coordinator = str(SKOS.notation)
    return sorted(
        rows,
        key=lambda r: (
            not any(d.text(role, coordinator) == "coordinator" for role in r["roles"]),
            d.label(r["organisation"] or r["membership"]).lower(),
        ),
    )


def by_position(d: Description, iris: list[str]) -> list[str]:
    """Resources in their schema:position order (phases), then by label."""

    def key(iri: str) -> tuple[int, str]:
        position = d.text(iri, str(SCHEMA.position))
        return (int(position) if position and position.isdigit() else 1 << 30, d.label(iri))

    return sorted(iris, key=key)


class Terms:
    """A namespace whose terms are plain strings, for templates: rdflib's URIRef hashes like a
    str but never equals one, so it would miss every lookup in a :class:`Description`."""

    def __init__(self, namespace: object) -> None:
        self._namespace = str(namespace)

    def __getattr__(self, name: str) -> str:
        return self._namespace + name


def money(amount: str | None, currency: str | None) -> str:
    """``€1,832,645`` (cents shown only when there are some)."""
    if amount is None:
        return ""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return amount
    text = f"{value:,.2f}".removesuffix(".00")
    sign = _CURRENCY_SIGNS.get(currency or "")
    return f"{sign}{text}" if sign else f"{text} {currency or ''}".strip()


def long_date(value: str | None) -> str:
    """``1 April 2016`` for an xsd:date (the text itself if it is not one)."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def vocabulary_labels(triples: list[ox.Triple]) -> dict[str, str]:
    """English rdfs:labels of the ontology's terms."""
    labels: dict[str, str] = {}
    for t in triples:
        if (
            t.predicate.value == str(RDFS.label)
            and isinstance(t.object, ox.Literal)
            and (t.object.language in (None, "en") or subject_of(t).value not in labels)
        ):
            labels[subject_of(t).value] = t.object.value
    return labels


def _key(term: Term) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _english(term: Term) -> bool:
    return isinstance(term, ox.Literal) and term.language in ("en", None)
