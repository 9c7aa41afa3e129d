"""Lookups in the reference data (``data/reference/``) that importers match source text against:
countries, NUTS regions, roles, programmes and topics, by their codes and labels.

A name matches when it equals a label after :func:`normalise` (case, accents, ``&``/"and",
punctuation and spacing do not count). A name that matches nothing, or more than one concept,
matches nothing: importers report it and never guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from projectgraph.rdf.formats import SOURCE_FORMATS
from projectgraph.rdf.vocab import COUNTRY_AUTHORITY, EURIO, NUTS_CODE, PG, SKOS, parse_base
from projectgraph.settings import Settings

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# Codes in EU sources that are not ISO 3166-1 alpha-2 (the EU's own: EL Greece, UK United
# Kingdom), and common names the authority table does not hold as labels.
_COUNTRY_ALIASES = {
    "el": "GR",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "hellas": "GR",
    "czech republic": "CZ",
    "the netherlands": "NL",
    "holland": "NL",
}


def normalise(text: str) -> str:
    """A name as compared: accents folded, lower case, "&" read as "and", punctuation and
    runs of spaces as one space."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = folded.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


@dataclass(frozen=True)
class Concept:
    """A reference concept: its IRI, main label and codes."""

    iri: str
    label: str
    notation: str = ""
    country: str = ""  # a region's country IRI


@dataclass
class _Index:
    """Concepts by normalised name; a name given to two concepts is ambiguous."""

    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    concepts: dict[str, Concept] = field(default_factory=dict)

    def add(self, concept: Concept, *names: str) -> None:
        self.concepts[concept.iri] = concept
        for name in names:
            if name and normalise(name):
                self.by_name[normalise(name)].add(concept.iri)

    def find(self, name: str) -> Concept | None:
        found = self.by_name.get(normalise(name), set())
        return self.concepts[next(iter(found))] if len(found) == 1 else None

    def names(self) -> list[tuple[str, Concept]]:
        """Every unambiguous name with its concept, longest first."""
        pairs = [
            (name, self.concepts[next(iter(iris))])
            for name, iris in self.by_name.items()
            if len(iris) == 1
        ]
        return sorted(pairs, key=lambda pair: (-len(pair[0]), pair[0]))


class Reference:
    """The reference tables of a project, loaded once per import."""

    def __init__(self, settings: Settings) -> None:
        self.base = parse_base(settings.base_iri)
        triples: list[ox.Triple] = []
        for path in sorted(Path(settings.reference_dir).rglob("*")):
            if path.suffix in SOURCE_FORMATS:
                triples += [
                    q.triple
                    for q in ox.parse(
                        path=path, format=SOURCE_FORMATS[path.suffix], base_iri=self.base
                    )
                ]
        props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            if isinstance(t.subject, ox.NamedNode):
                props[t.subject.value][t.predicate.value].append(
                    t.object.value if isinstance(t.object, ox.NamedNode | ox.Literal) else ""
                )
        self.countries = _Index()
        self.regions = _Index()
        self.roles = _Index()
        self.programmes = _Index()
        self.topics = _Index()
        pref, alt, notation = str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.notation)
        for iri, p in sorted(props.items()):
            labels = p.get(pref, []) + p.get(alt, [])
            types = p.get(_RDF_TYPE, [])
            code = (p.get(notation) or [""])[0]
            if iri.startswith(COUNTRY_AUTHORITY) and str(EURIO.Country) in types:
                iso2 = (p.get(str(PG.isoAlpha2)) or [""])[0]
                concept = Concept(iri, _english(p.get(pref, [])), code)
                self.countries.add(concept, *labels, code, iso2)
            elif iri.startswith(NUTS_CODE):
                country = (p.get(str(PG.inCountry)) or [""])[0]
                self.regions.add(
                    Concept(iri, p[pref][0] if p.get(pref) else code, code, country), *labels, code
                )
            elif iri.startswith(self.base + "id/role/"):
                self.roles.add(Concept(iri, _english(p.get(pref, [])), code), *labels, code)
            elif iri.startswith(self.base + "id/programme/"):
                titles = p.get(str(EURIO.title), [])
                self.programmes.add(Concept(iri, _english(titles), code), *titles, *labels, code)
            elif iri.startswith(self.base + "id/topic/"):
                self.topics.add(Concept(iri, _english(p.get(pref, [])), code), *labels, code)
        for alias, iso2 in _COUNTRY_ALIASES.items():
            found = self.countries.find(iso2)
            if found and not self.countries.by_name.get(alias):
                self.countries.add(found, alias)

    def country(self, text: str) -> Concept | None:
        """A country by English or native name, ISO or EU code ("UK", "EL", "ESP", "España")."""
        return self.countries.find(text)

    def regions_named_in(self, text: str) -> list[Concept]:
        """The regions whose name occurs in ``text`` as whole words, each once, in order of
        appearance; a name inside a longer matched name does not count twice."""
        words = f" {normalise(text)} "
        found: list[tuple[int, Concept]] = []
        taken: list[tuple[int, int]] = []
        for name, concept in self.regions.names():
            if len(name) < 4 or any(ch.isdigit() for ch in name):  # codes are not names
                continue
            at = words.find(f" {name} ")
            if at < 0 or any(a <= at < b for a, b in taken):
                continue
            taken.append((at, at + len(name) + 1))
            if all(concept.iri != c.iri for _, c in found):
                found.append((at, concept))
        return [c for _, c in sorted(found, key=lambda pair: pair[0])]


def _english(labels: list[str]) -> str:
    return labels[0] if labels else ""
