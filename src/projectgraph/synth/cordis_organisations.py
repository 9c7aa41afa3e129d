"""The organisation universe of the CORDIS-style export: rank r's fields are a function of
(seed, r), drawn with a Zipf-like frequency, so memory does not grow with the export."""

# Greek letters in organisation names are the point here, not look-alikes of Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

import random

from projectgraph.synth.cordis_names import (
    COMPANY_SECTORS,
    COMPANY_STEMS,
    COMPANY_TAILS,
    FIELDS,
    GENERIC_SECTORS,
    LEGAL_FORMS,
    NAMES,
    STREETS,
    URL_WORDS,
)
from projectgraph.synth.cordis_places import COUNTRIES, COUNTRY_DRAW_WEIGHTS, COUNTRY_INDEX
from projectgraph.synth.distributions import (
    ACTIVITY_TYPE_WEIGHTS,
    ACTIVITY_TYPES,
    ZIPF_EXPONENT,
)
from projectgraph.synth.draws import between, mix, pick

HEAD_CACHE = 1024  # the organisations of ranks below this have their fields kept
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"


def _pattern(rng: random.Random, pattern: str) -> str:
    """``pattern`` with each 9 replaced by a digit and each A by a capital letter."""
    out = []
    for ch in pattern:
        if ch == "9":
            ch = _DIGITS[int(rng.random() * 10)]
        elif ch == "A":
            ch = _LETTERS[int(rng.random() * 26)]
        out.append(ch)
    return "".join(out)


def _coordinate(value: int) -> str:
    return f"{value / 10_000:.4f}"


_GREEK_TONOS = str.maketrans("ΆΈΉΊΌΎΏΪΫ", "ΑΕΗΙΟΥΩΙΥ")


def _upper(text: str) -> str:
    """Capitals as the export has them: Greek without accents (ΠΕΙΡΑΙΩΣ, not ΠΕΙΡΑΙΏΣ)."""
    return text.upper().translate(_GREEK_TONOS)


def _initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if len(w) > 3 and w[0].isalpha()]
    return "".join(w[0] for w in words).upper()[:6]


class Organisations:
    """The universe of organisations: rank r's fields are a function of (seed, r), so they are
    recomputed when needed rather than stored, and a Zipf-like draw of ranks.

    The last ranks, the least frequent, are one organisation per country, so that every
    country can be made to appear (see :meth:`missing`) even in a small sample where the rare
    ones (LI, IS, MT) would be left out by chance."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = size
        self.exponent = 1.0 - ZIPF_EXPONENT
        self.top = (size + 1) ** self.exponent - 1.0
        self.seen = bytearray((size + 7) // 8)  # one bit per rank, for the distinct count
        self.distinct = 0
        self.reserved = size - len(COUNTRIES)  # ranks from here: one per country
        self.countries_seen = [False] * len(COUNTRIES)
        # The most frequent organisations' fields, kept: a third to a half of the rows, at a
        # memory cost that does not grow with the export (HEAD_CACHE ranks at most).
        self.head: dict[int, tuple[str, ...]] = {}

    def draw(self, rng: random.Random) -> int:
        """A rank in ``[0, size)``, rank 0 the most frequent (inverse of the continuous
        power-law CDF: no table, so no memory that grows with the universe)."""
        x = (1.0 + rng.random() * self.top) ** (1.0 / self.exponent)
        return min(self.size - 1, int(x) - 1)

    def mark(self, rank: int, country: str) -> None:
        """Count ``rank`` (of ``country``) as written."""
        byte, bit = divmod(rank, 8)
        if not self.seen[byte] & (1 << bit):
            self.seen[byte] |= 1 << bit
            self.distinct += 1
            self.countries_seen[COUNTRY_INDEX[country]] = True

    def missing(self) -> int | None:
        """The reserved rank of the first country not written yet, if any."""
        index = next((j for j, seen in enumerate(self.countries_seen) if not seen), None)
        return None if index is None else self.reserved + index

    def activity_type(self, rank: int) -> str:
        """PRC, HES, REC, PUB or OTH: by the rank's band (see ACTIVITY_TYPE_WEIGHTS) and a hash."""
        share = rank / self.size
        weights = next(w for limit, w in ACTIVITY_TYPE_WEIGHTS if share < limit)
        # A multiplicative hash (its top bits, spread evenly over consecutive ranks): called
        # for every drawn rank, so cheaper than a generator or mix.
        roll = (((rank + self.seed * 7_919) * 0x9E3779B1) & 0xFFFFFFFF) >> 16
        roll %= sum(weights)
        for kind, weight in zip(ACTIVITY_TYPES, weights, strict=True):
            if roll < weight:
                return kind
            roll -= weight
        raise AssertionError("unreachable")

    def fields(self, rank: int) -> tuple[str, ...]:
        """organisationID, vatNumber, name, shortName, SME, activityType, street, postCode,
        city, country, nutsCode, geolocation, organizationURL, rcn."""
        if rank >= HEAD_CACHE:
            return self._fields(rank)
        found = self.head.get(rank)
        if found is None:
            found = self.head[rank] = self._fields(rank)
        return found

    def _fields(self, rank: int) -> tuple[str, ...]:
        kind = self.activity_type(rank)
        rng = random.Random(mix(self.seed, rank))
        if rank >= self.reserved:
            country = COUNTRIES[rank - self.reserved]
        else:
            country = rng.choices(COUNTRIES, COUNTRY_DRAW_WEIGHTS)[0]
        city = pick(rng, country.cities)
        forms = dict(city.forms)
        lang = forms.get("lang", country.lang)
        greek_script = lang == "el" and rng.random() < 0.45
        city_name = forms["native"] if greek_script else city.name

        if kind == "PRC":
            stem = pick(rng, COMPANY_STEMS) + pick(rng, COMPANY_TAILS)
            sector = pick(rng, COMPANY_SECTORS.get(lang, GENERIC_SECTORS))
            legal = pick(rng, LEGAL_FORMS[country.code])
            name = f"{stem} {sector} {legal}"
            short = stem.upper() if rng.random() < 0.7 else ""
        else:
            patterns = NAMES.get(lang, NAMES["en"]).get(kind) or NAMES["en"][kind]
            if lang == "el":  # Greek script or transliterated, matching the chosen pattern
                scripted = [p for p in patterns if (p[0] >= "Α") == greek_script]
                patterns = tuple(scripted) or patterns
            field = pick(rng, FIELDS.get(lang, FIELDS["en"]))
            values = {"city": city_name, "field": field, **forms}
            values.setdefault("adj", city.name)
            values.setdefault("gen", city_name)
            values.setdefault("gen_lat", city.name)
            name = pick(rng, patterns).format_map(values)
            short = _initials(name) if rng.random() < 0.75 else ""
        if greek_script or rng.random() < 0.65:  # most names in the export are in capitals
            name = _upper(name)

        street_pattern = pick(rng, STREETS.get(lang, STREETS["en"]))
        street = street_pattern.format(n=between(rng, 1, 220)) if rng.random() < 0.93 else ""
        if street and rng.random() < 0.6:
            street = _upper(street)
        postcode = _pattern(rng, pick(rng, country.postcodes))
        vat = _pattern(rng, country.vat) if country.vat and rng.random() < 0.78 else ""
        sme = "true" if kind == "PRC" and rng.random() < 0.6 else "false"
        nuts = city.nuts if rng.random() < 0.9 else ""
        geo = ""
        if rng.random() < 0.96:
            lat = city.lat + between(rng, -300, 300)
            lon = city.lon + between(rng, -300, 300)
            geo = f"{_coordinate(lat)},{_coordinate(lon)}"
        url = ""
        if rng.random() < 0.7:
            slug = (short or pick(rng, COMPANY_STEMS)).lower()
            slug = "".join(ch for ch in slug if ch.isascii() and ch.isalnum()) or "org"
            scheme = "https" if rng.random() < 0.6 else "http"
            url = f"{scheme}://www.{slug}{pick(rng, URL_WORDS)}.{country.tld}"
            if rng.random() < 0.3:
                url += "/"
        # Affine maps modulo primes: distinct for distinct ranks, scattered, and cheap.
        org_id = (
            880_000_000 + (rank * 74_164_279 + self.seed * 7_777_777 + 19_993_953) % 119_999_987
        )
        rcn = 1_900_000 + (rank * 69_621 + self.seed * 4_242) % 999_983
        return (
            str(org_id), vat, name, short, sme, kind, street, postcode, city_name,
            country.code, nuts, geo, url, str(rcn),
        )  # fmt: skip
