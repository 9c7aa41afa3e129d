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
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from projectgraph.rdf.formats import SOURCE_FORMATS
from projectgraph.rdf.vocab import (
    COUNTRY_AUTHORITY,
    DCAT,
    DCT,
    EURIO,
    NUTS_CODE,
    NUTS_SCHEME,
    PG,
    SKOS,
    parse_base,
)
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


# The generator's inputs (scripts/reference_data.py): merged into the generated files, so
# neither published as graphs of their own nor read twice.
SOURCES_FOLDER = "sources"


def is_generator_input(path: Path, reference_dir: Path) -> bool:
    """Whether ``path`` lies in the reference folder's ``sources/`` (not reference data)."""
    try:
        return path.relative_to(reference_dir).parts[0] == SOURCES_FOLDER
    except (ValueError, IndexError):
        return False


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
    level: int = -1  # a NUTS region's level (0-3)
    versions: frozenset[int] = frozenset()  # the NUTS versions (2016, 2021, ...) it is in
    replaced_by: str = ""  # the region's IRI in a later version that recoded it


@dataclass
class _Index:
    """Concepts by normalised name; a name given to two concepts is ambiguous."""

    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    concepts: dict[str, Concept] = field(default_factory=dict)
    _named: list[tuple[str, list[Concept]]] | None = None

    def add(self, concept: Concept, *names: str) -> None:
        self._named = None
        self.concepts[concept.iri] = concept
        for name in names:
            if name and normalise(name):
                self.by_name[normalise(name)].add(concept.iri)

    def find(self, name: str) -> Concept | None:
        found = self.by_name.get(normalise(name), set())
        return self.concepts[next(iter(found))] if len(found) == 1 else None

    def names(self) -> list[tuple[str, Concept]]:
        """Every unambiguous name with its concept, longest first."""
        return [(name, found[0]) for name, found in self.named() if len(found) == 1]

    def named(self) -> list[tuple[str, list[Concept]]]:
        """Every name with the concepts it names (in IRI order), longest name first."""
        if self._named is None:
            self._named = sorted(
                (
                    (name, [self.concepts[i] for i in sorted(iris)])
                    for name, iris in self.by_name.items()
                ),
                key=lambda pair: (-len(pair[0]), pair[0]),
            )
        return self._named


class Reference:
    """The reference tables of a project, loaded once per import."""

    def __init__(self, settings: Settings) -> None:
        self.base = parse_base(settings.base_iri)
        triples: list[ox.Triple] = []
        folder = Path(settings.reference_dir)
        for path in sorted(folder.rglob("*")):
            if path.suffix in SOURCE_FORMATS and not is_generator_input(path, folder):
                triples += [
                    q.triple
                    for q in ox.parse(
                        path=path, format=SOURCE_FORMATS[path.suffix], base_iri=self.base
                    )
                ]
        props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        periods: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            if isinstance(t.subject, ox.NamedNode):
                props[t.subject.value][t.predicate.value].append(
                    t.object.value
                    if isinstance(t.object, ox.NamedNode | ox.Literal | ox.BlankNode)
                    else ""
                )
            elif isinstance(t.subject, ox.BlankNode) and isinstance(t.object, ox.Literal):
                periods[t.subject.value][t.predicate.value].append(t.object.value)
        self.countries = _Index()
        self.regions = _Index()
        self.nuts_versions: dict[int, tuple[date, date]] = {}  # version -> in force from, to
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
                level = int((p.get(str(PG.nutsLevel)) or ["-1"])[0])
                versions = frozenset(
                    int(s.removeprefix(NUTS_SCHEME))
                    for s in p.get(str(SKOS.inScheme), [])
                    if s.removeprefix(NUTS_SCHEME).isdigit()
                )
                label = p[pref][0] if p.get(pref) else code
                later = (p.get(str(DCT.isReplacedBy)) or [""])[0]
                concept = Concept(iri, label, code, country, level, versions, later)
                self.regions.add(concept, *labels, code)
            elif iri.startswith(NUTS_SCHEME) and p.get(str(DCT.temporal)):
                period = periods.get(p[str(DCT.temporal)][0], {})
                start = (period.get(str(DCAT.startDate)) or [""])[0]
                end = (period.get(str(DCAT.endDate)) or ["9999-12-31"])[0]
                if start and iri.removeprefix(NUTS_SCHEME).isdigit():
                    self.nuts_versions[int(iri.removeprefix(NUTS_SCHEME))] = (
                        date.fromisoformat(start),
                        date.fromisoformat(end),
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

    def nuts_version(self, when: date | None) -> int | None:
        """The NUTS version in force on ``when``: the latest whose period has begun by then (a
        version missing from the data leaves its predecessor in force), the first for a date
        before them all; None without a date or versions."""
        if when is None or not self.nuts_versions:
            return None
        begun = [v for v, (start, _end) in self.nuts_versions.items() if start <= when]
        return max(begun) if begun else min(self.nuts_versions)

    def region(self, code: str) -> Concept | None:
        """A NUTS region by its code, of any version."""
        found = self.regions.find(code)
        return found if found is not None and found.notation == code.strip().upper() else None

    def regions_named_in(self, text: str, when: date | None = None) -> list[Concept]:
        """The regions whose name occurs in ``text`` as whole words, each once, in order of
        appearance; a name inside a longer matched name does not count twice. A name that
        regions of different NUTS versions share names the region of the version in force on
        ``when`` (Utrecht: NL310 in 2019, NL35 in 2025), and none without a date. A region
        NUTS recoded later is given by its current code (Lubelskie, PL31 in NUTS 2013 when a
        project starts in 2016, is PL81): the same place, drawn on today's maps."""
        words = f" {normalise(text)} "
        version = self.nuts_version(when)
        found: list[tuple[int, Concept]] = []
        taken: list[tuple[int, int]] = []
        for name, concepts in self.regions.named():
            if len(name) < 4 or any(ch.isdigit() for ch in name):  # codes are not names
                continue
            if len(concepts) > 1 and version is not None:
                concepts = [c for c in concepts if version in c.versions]
            concept = _deepest(concepts)
            if concept is None:
                continue
            seen = {concept.iri}
            while concept.replaced_by in self.regions.concepts:
                concept = self.regions.concepts[concept.replaced_by]
                if concept.iri in seen:  # a cycle in the data: stop where it closes
                    break
                seen.add(concept.iri)
            at = words.find(f" {name} ")
            if at < 0 or any(a <= at < b for a, b in taken):
                continue
            taken.append((at, at + len(name) + 1))
            if all(concept.iri != c.iri for _, c in found):
                found.append((at, concept))
        # "Highlands & Islands (Scotland)" names one place: the region, not also the country
        # part that holds it.
        codes = [c.notation for _, c in found]
        return [
            c
            for _, c in sorted(found, key=lambda pair: pair[0])
            if not any(o != c.notation and o.startswith(c.notation) for o in codes)
        ]


def _deepest(concepts: list[Concept]) -> Concept | None:
    """The one region a name gives: the only one, or of regions nested in one another under the
    same name (NORTHERN IRELAND, level 1, and Northern Ireland, level 2) the deepest; None when
    the name gives regions apart."""
    if not concepts:
        return None
    deepest = max(concepts, key=lambda c: len(c.notation))
    return deepest if all(deepest.notation.startswith(c.notation) for c in concepts) else None


def _english(labels: list[str]) -> str:
    return labels[0] if labels else ""
