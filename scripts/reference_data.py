"""Rebuild the reference data from its sources: every NUTS code of every version, every country,
and the outlines the server draws its maps from.

    python scripts/reference_data.py          # write the files below
    python scripts/reference_data.py --check  # exit 1 naming each file that differs

Reads (data/reference/README.md states each source and its terms):
- ``data/reference/sources/nuts2json/pub/v2/{year}/4326/nutspt_{level}.json``: Eurostat GISCO's
  NUTS label points, code ``id`` and official name ``na``, as eurostat/Nuts2json publishes them;
- ``.../2024/3035/60M/nutsrg_2.json`` and ``cntrg.json``: the NUTS 2 regions, and the countries
  around them, as polygons projected to ETRS89-LAEA (EPSG:3035), 1:60 million;
- ``data/reference/sources/region-names.ttl``: the names sources write for some regions (English
  names, older spellings) and editorial notes, kept as they were curated;
- pycountry (ISO 3166-1 from Debian's iso-codes) and Babel (Unicode CLDR) for the countries.

Writes:
- ``data/reference/nuts.ttl``: one SKOS concept per NUTS code at the EU's IRI;
- ``data/reference/countries.ttl``: every ISO 3166-1 country at the EU country authority IRI;
- ``data/reference/country-groups.ttl``: the EU, EEA, EFTA and candidate-country groups;
- ``src/projectgraph/web/figures/outlines.json``: SVG path data of the NUTS 2 regions and the
  countries, in kilometres of EPSG:3035 with y pointing down.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, SKOS, XSD

from projectgraph.rdf.vocab import (
    COUNTRY_AUTHORITY,
    EURIO,
    GEO,
    NUTS_CODE,
    NUTS_SCHEME,
    PG,
    SF,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "reference" / "sources"
NUTS2JSON = SOURCES / "nuts2json" / "pub" / "v2"
NUTS_TTL = ROOT / "data" / "reference" / "nuts.ttl"
COUNTRIES_TTL = ROOT / "data" / "reference" / "countries.ttl"
GROUPS_TTL = ROOT / "data" / "reference" / "country-groups.ttl"
OUTLINES = ROOT / "src" / "projectgraph" / "web" / "figures" / "outlines.json"

NUTS = Namespace(NUTS_CODE)
SCHEME = NUTS_SCHEME
COUNTRY = Namespace(COUNTRY_AUTHORITY)
COUNTRY_SCHEME = URIRef(COUNTRY_AUTHORITY.rstrip("/"))
GROUP = "id/group/"  # base-relative, like every IRI projectgraph mints

# Each NUTS version and the period its regulation applies to statistics.
VERSIONS = {
    2010: ("2012-01-01", "2014-12-31"),
    2013: ("2015-01-01", "2017-12-31"),
    2016: ("2018-01-01", "2020-12-31"),
    2021: ("2021-01-01", "2023-12-31"),
    2024: ("2024-01-01", None),
}
LEVELS = (0, 1, 2, 3)
MAP_VERSION = 2024
# NUTS country codes that are not ISO 3166-1 alpha-2.
NUTS_TO_ISO = {"EL": "GR", "UK": "GB"}

# Country groups, as of 2026 (EU: 27 member states since 2020; EEA: the EU and three EFTA states;
# candidates: the countries the European Council granted candidate status, ISO codes only).
# fmt: off
EU = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
      "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
EFTA = ("IS", "LI", "NO", "CH")
CANDIDATES = ("AL", "BA", "GE", "MD", "ME", "MK", "RS", "TR", "UA")
GROUPS = {
    "eu": ("EU member states", "The 27 member states of the European Union.", EU),
    "eea": ("EEA countries", "The European Economic Area: the EU member states, Iceland, "
            "Liechtenstein and Norway.", (*EU, "IS", "LI", "NO")),
    "efta": ("EFTA countries", "The European Free Trade Association.", EFTA),
    "candidates": ("EU candidate countries", "Countries with the status of candidate for EU "
                   "membership.", CANDIDATES),
}
# fmt: on


def fold(text: str) -> str:
    """A name as compared across versions: accents, case, punctuation and spacing do not count."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_.lower()).split())


def features(path: Path) -> list[dict]:
    """The features of a GeoJSON file of Nuts2json."""
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def point_files() -> dict[tuple[int, int], Path]:
    """The label-point file of each (version, level) the sources hold."""
    found = {}
    for year in VERSIONS:
        for level in LEVELS:
            path = NUTS2JSON / str(year) / "4326" / f"nutspt_{level}.json"
            if path.exists():
                found[(year, level)] = path
    return found


def held() -> str:
    """The versions and levels the sources hold, in words: "NUTS 2016 (levels 0-3), ..."."""
    levels: dict[int, list[int]] = defaultdict(list)
    for year, level in sorted(point_files()):
        levels[year].append(level)
    return ", ".join(f"NUTS {y} (levels {min(lv)}-{max(lv)})" for y, lv in levels.items())


def points(path: Path) -> list[tuple[str, str, float, float]]:
    """(code, official name, longitude, latitude) of each feature of a label-point file, in
    the published order (the names without the spaces some end with)."""
    out = []
    for f in features(path):
        lon, lat = f["geometry"]["coordinates"]
        out.append((f["properties"]["id"], f["properties"]["na"].strip(), lon, lat))
    return out


class Region:
    """What the sources say of one NUTS code across versions."""

    def __init__(self, code: str, level: int) -> None:
        self.code, self.level = code, level
        self.names: dict[int, str] = {}  # version -> official name
        self.point: tuple[float, float] = (0.0, 0.0)  # of the latest version that has the code
        self.replaces: set[str] = set()
        self.replaced_by: set[str] = set()

    def parent(self, found: dict[str, Region]) -> str | None:
        """The code one level up: the code without its last character, or, where NUTS numbers
        past it (UKN06 ... UKN16 under UKN0), the region one level up that the code's
        grandparent has, when it has exactly one."""
        if self.level == 0:
            return None
        up = self.code[:-1]
        if up in found and found[up].level == self.level - 1:
            return up
        only = [
            c for c, r in found.items() if r.level == self.level - 1 and c[:-1] == self.code[:-2]
        ]
        if len(only) == 1:
            return only[0]
        raise SystemExit(f"{self.code}: no region one level up")


def regions() -> dict[str, Region]:
    """Every code of every version, with its names, latest point, parent and recodings."""
    found: dict[str, Region] = {}
    for (year, level), path in sorted(point_files().items()):
        for code, name, lon, lat in points(path):
            region = found.setdefault(code, Region(code, level))
            if region.level != level:
                raise SystemExit(f"{path}: {code} is level {level}, level {region.level} before")
            region.names[year] = name
            region.point = (lon, lat)
    years = sorted({year for year, _ in point_files()})
    for old, new in itertools.pairwise(years):
        retired = [r for r in found.values() if old in r.names and new not in r.names]
        created = [r for r in found.values() if new in r.names and old not in r.names]
        # A code retired in one version and a code created in the next, with the same official
        # name, level and country, are the same region recoded (Lubelskie PL31 -> PL81 in 2016).
        by_key: dict[tuple[str, int, str], list[Region]] = defaultdict(list)
        for r in created:
            by_key[(fold(r.names[new]), r.level, r.code[:2])].append(r)
        taken: dict[tuple[str, int, str], list[Region]] = defaultdict(list)
        for r in retired:
            taken[(fold(r.names[old]), r.level, r.code[:2])].append(r)
        for key, olds in taken.items():
            news = by_key.get(key, [])
            if len(olds) == 1 and len(news) == 1:
                olds[0].replaced_by.add(news[0].code)
                news[0].replaces.add(olds[0].code)
    return found


def nuts_graph(found: dict[str, Region]) -> Graph:
    """The NUTS concepts and version schemes, with the curated names merged in."""
    g = Graph()
    present = {year for year, _ in point_files()}
    for year, (start, end) in VERSIONS.items():
        if year not in present:
            continue
        scheme = URIRef(f"{SCHEME}{year}")
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, SKOS.prefLabel, Literal(f"NUTS {year}", lang="en")))
        g.add((scheme, SKOS.notation, Literal(str(year))))
        until = f" to {end}" if end else ""
        g.add(
            (
                scheme,
                DCTERMS.description,
                Literal(
                    f"Nomenclature of territorial units for statistics, version {year} "
                    f"(applies from {start}{until}).",
                    lang="en",
                ),
            )
        )
        period = BNode(f"nuts{year}")
        g.add((scheme, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(start, datatype=XSD.date)))
        if end:
            g.add((period, DCAT.endDate, Literal(end, datatype=XSD.date)))
    for code, r in sorted(found.items()):
        s = NUTS[code]
        latest = max(r.names)
        g.add((s, RDF.type, SKOS.Concept))
        g.add((s, RDF.type, EURIO.AdministrativeArea))
        g.add((s, SKOS.prefLabel, Literal(r.names[latest])))
        for name in sorted({n for n in r.names.values() if fold(n) != fold(r.names[latest])}):
            g.add((s, SKOS.altLabel, Literal(name)))
        g.add((s, SKOS.notation, Literal(code)))
        g.add((s, PG.nutsLevel, Literal(r.level)))
        country = NUTS_TO_ISO.get(code[:2], code[:2])
        g.add((s, PG.inCountry, COUNTRY[_alpha3(country)]))
        parent = r.parent(found)
        if parent:
            g.add((s, SKOS.broader, NUTS[parent]))
        for year in sorted(r.names):
            g.add((s, SKOS.inScheme, URIRef(f"{SCHEME}{year}")))
            if r.level == 0:
                g.add((s, SKOS.topConceptOf, URIRef(f"{SCHEME}{year}")))
        for other in sorted(r.replaced_by):
            g.add((s, DCTERMS.isReplacedBy, NUTS[other]))
        for other in sorted(r.replaces):
            g.add((s, DCTERMS.replaces, NUTS[other]))
        point = BNode(f"point{code}")
        g.add((s, GEO.hasGeometry, point))
        g.add((point, RDF.type, SF.Point))
        lon, lat = r.point
        g.add((point, GEO.asWKT, Literal(f"POINT({lon} {lat})", datatype=GEO.wktLiteral)))
    curated = Graph().parse(SOURCES / "region-names.ttl")
    for s, p, o in curated:
        if (s, RDF.type, SKOS.Concept) not in g:
            raise SystemExit(f"region-names.ttl: {s} is not a NUTS code of any version")
        g.add((s, p, o))
    _bind(g)
    return g


# Places the EU country authority table has that ISO 3166-1 does not: its code, by the
# user-assigned alpha-2 code the EU (and NUTS) use.
EU_ONLY = {"XK": "1A0"}  # Kosovo (UN Security Council resolution 1244)


def _alpha3(alpha2: str) -> str:
    import pycountry

    if alpha2 in EU_ONLY:
        return EU_ONLY[alpha2]
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        raise SystemExit(f"{alpha2} is not an ISO 3166-1 alpha-2 code")
    return str(country.alpha_3)


def countries_graph() -> Graph:
    """Every ISO 3166-1 country (and Kosovo, as the EU table has it): English and native names,
    alpha-2 and alpha-3 codes."""
    import pycountry
    from babel import Locale, UnknownLocaleError
    from babel.languages import get_official_languages

    english = Locale("en").territories
    g = Graph()
    g.add((COUNTRY_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add(
        (
            COUNTRY_SCHEME,
            SKOS.prefLabel,
            Literal("Countries and territories (EU authority table)", lang="en"),
        )
    )
    extra = [
        SimpleNamespace(alpha_2=a2, alpha_3=code, name=english[a2]) for a2, code in EU_ONLY.items()
    ]
    for c in sorted([*pycountry.countries, *extra], key=lambda c: c.alpha_3):
        s = COUNTRY[c.alpha_3]
        g.add((s, RDF.type, SKOS.Concept))
        g.add((s, RDF.type, EURIO.Country))
        name = english.get(c.alpha_2, c.name)
        g.add((s, SKOS.prefLabel, Literal(name, lang="en")))
        for other in {c.name, getattr(c, "official_name", ""), getattr(c, "common_name", "")}:
            if other and other != name:
                g.add((s, SKOS.altLabel, Literal(other, lang="en")))
        for language in get_official_languages(c.alpha_2, de_facto=True):
            if language == "en":
                continue
            try:
                native = Locale.parse(language).territories.get(c.alpha_2)
            except (UnknownLocaleError, ValueError):
                continue
            if native:
                g.add((s, SKOS.prefLabel, Literal(native, lang=language.replace("_", "-"))))
        g.add((s, SKOS.notation, Literal(c.alpha_3)))
        g.add((s, PG.isoAlpha2, Literal(c.alpha_2)))
        g.add((s, SKOS.inScheme, COUNTRY_SCHEME))
    _bind(g)
    return g


def groups_graph() -> Graph:
    """The country groups (EU, EEA, EFTA, candidates) as SKOS collections of countries."""
    g = Graph()
    for key, (label, description, members) in GROUPS.items():
        s = URIRef(GROUP + key)
        g.add((s, RDF.type, SKOS.Collection))
        g.add((s, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((s, DCTERMS.description, Literal(description, lang="en")))
        g.add((s, SKOS.notation, Literal(key.upper())))
        for alpha2 in members:
            g.add((s, SKOS.member, COUNTRY[_alpha3(alpha2)]))
    _bind(g)
    return g


def _bind(g: Graph) -> None:
    for prefix, ns in (
        ("nuts", NUTS),
        ("country", COUNTRY),
        ("skos", SKOS),
        ("eurio", EURIO),
        ("pg", PG),
        ("dct", DCTERMS),
        ("dcat", DCAT),
        ("geo", GEO),
        ("sf", SF),
        ("owl", OWL),
        ("xsd", XSD),
    ):
        g.bind(prefix, ns, override=True, replace=True)


def turtle(g: Graph, header: str) -> str:
    """``g`` as Turtle under a comment header (relative IRIs stay relative: the build reads
    reference files against the configured base)."""
    return header + g.serialize(format="turtle")


# --- map outlines ---------------------------------------------------------------------------


def _km(x: float, y: float) -> tuple[int, int]:
    """EPSG:3035 metres as whole kilometres, y pointing down (SVG's way)."""
    return round(x / 1000), -round(y / 1000)


def _ring(coords: list[list[float]]) -> tuple[str, list[tuple[int, int]]]:
    """One closed ring as SVG path data (relative moves; points repeated once the 60M outline is
    rounded to a kilometre dropped), and its points."""
    pts: list[tuple[int, int]] = []
    for x, y in coords:
        p = _km(x, y)
        if not pts or pts[-1] != p:
            pts.append(p)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        return "", []
    out = [f"M{pts[0][0]} {pts[0][1]}"]
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        out.append(f"l{x1 - x0} {y1 - y0}")
    return "".join(out) + "z", pts


def _shape(geometry: dict) -> tuple[str, list[int]]:
    """A (multi)polygon as SVG path data and its bounding box [x0, y0, x1, y1]."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    paths, pts = [], []
    for polygon in polygons:
        for ring in polygon:
            d, ring_pts = _ring(ring)
            paths.append(d)
            pts += ring_pts
    xs, ys = [p[0] for p in pts] or [0], [p[1] for p in pts] or [0]
    return "".join(paths), [min(xs), min(ys), max(xs), max(ys)]


def outlines(found: dict[str, Region]) -> dict:
    """What the server draws maps from: SVG path data and bounding box of each NUTS 0 and
    NUTS 2 region of the map's version and of each country around them, each NUTS code's label
    point, and for NUTS 2 codes retired before the map's version the code that replaced them."""
    from pyproj import Transformer

    folder = NUTS2JSON / str(MAP_VERSION) / "3035" / "60M"
    out: dict = {
        "source": f"Eurostat GISCO, NUTS {MAP_VERSION} at 1:60 million (eurostat/Nuts2json); "
        "administrative boundaries (c) EuroGeographics",
        "version": MAP_VERSION,
        "unit": "km of EPSG:3035 (ETRS89-LAEA Europe), y = -northing",
        "bbox": {},
    }
    out["nuts2"] = {}
    for f in sorted(features(folder / "nutsrg_2.json"), key=lambda f: f["properties"]["id"]):
        code = f["properties"]["id"]
        out["nuts2"][code], out["bbox"][code] = _shape(f["geometry"])
    # The countries around the NUTS 2 regions (the United Kingdom, Ukraine, North Africa...),
    # drawn grey behind them; "XJL" is no man's land.
    out["countries"] = {}
    mapped = {code[:2] for code in out["nuts2"]}
    for f in sorted(features(folder / "cntrg.json"), key=lambda f: f["properties"]["id"]):
        code = f["properties"]["id"]
        if code not in mapped and code != "XJL":
            out["countries"][code] = _shape(f["geometry"])[0]
            out["bbox"]["country:" + code] = _shape(f["geometry"])[1]
    project = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    out["points"] = {
        code: list(_km(*project.transform(*r.point))) for code, r in sorted(found.items())
    }
    successor = {}
    for code, r in sorted(found.items()):
        if r.level == 2 and MAP_VERSION not in r.names:
            seen, now = {code}, r
            while now.replaced_by and MAP_VERSION not in now.names:
                nxt = sorted(now.replaced_by)[0]
                if nxt in seen:
                    break
                seen.add(nxt)
                now = found[nxt]
            if MAP_VERSION in now.names:
                successor[code] = now.code
    out["successor"] = successor
    out["names"] = {
        code: r.names[max(r.names)]
        for code, r in sorted(found.items())
        if r.level == 0 or code in out["nuts2"]
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    found = regions()
    files = {
        NUTS_TTL: turtle(
            nuts_graph(found),
            f"# NUTS: every code of {held()}, from Eurostat\n"
            "# GISCO (data/reference/README.md). Generated by scripts/reference_data.py: edit\n"
            "# data/reference/sources/region-names.ttl or the script, not this file.\n",
        ),
        COUNTRIES_TTL: turtle(
            countries_graph(),
            "# Countries: ISO 3166-1 at the EU country authority table's IRIs, with English and\n"
            "# native names (Unicode CLDR), and country groups. Generated by\n"
            "# scripts/reference_data.py: edit the script, not this file.\n",
        ),
        GROUPS_TTL: turtle(
            groups_graph(),
            "# Country groups as SKOS collections of countries, members as of 2026. Relative\n"
            "# IRIs resolve against the base IRI. Generated by scripts/reference_data.py.\n",
        ),
        OUTLINES: json.dumps(
            outlines(found), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        + "\n",
    }
    stale = [
        path
        for path, text in files.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from what its sources give", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
