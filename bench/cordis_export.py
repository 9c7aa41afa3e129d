"""A synthetic CORDIS open-data export: ``project.csv`` and ``organization.csv`` in the exact
layout of the Horizon 2020 / Horizon Europe "projects" bulk download of data.europa.eu, with the
real files' quirks, for importer tests (a committed sample) and benchmarks (35,000 projects).

    python -m bench.cordis_export --projects 35000 --out /tmp/cordis35k [--seed 1]
    python -m bench.cordis_export --projects 220 --out tests/data/import/cordis   # the sample

The layout: UTF-8 with a byte-order mark before the header, ``;`` as separator, every field in
double quotes (embedded quotes doubled: ``"the ""day use"" segment"``), LF line ends, and these
columns in this order:

    project.csv       id;acronym;status;title;startDate;endDate;totalCost;ecMaxContribution;
                      legalBasis;topics;ecSignatureDate;frameworkProgramme;masterCall;subCall;
                      fundingScheme;nature;objective;contentUpdateDate;rcn;grantDoi
    organization.csv  projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;
                      activityType;street;postCode;city;country;nutsCode;geolocation;
                      organizationURL;contactForm;contentUpdateDate;rcn;order;role;
                      ecContribution;netEcContribution;totalCost;endOfParticipation;active

The quirks an importer must cope with: amounts with a decimal comma and the trailing zero of
the cents dropped (``"1567543,75"``, ``"2154187,5"``) or whole (``"2497500"``), never a
thousands separator, and empty for associated partners; the EU's country codes (``EL`` for
Greece, ``UK`` for the United Kingdom) in ``country`` and at the start of ``nutsCode``;
``nutsCode`` empty for about one row in ten; objectives of 1-3 kB, about a third of them on
several lines (some with blank lines), some holding ``;`` and quotes; names with accents,
Polish, Hungarian and Nordic letters, and some Greek organisations written in Greek.

The distributions (the shares are those of the generator, measured at 35,000 projects):

- Funding schemes (H2020): RIA 34 %, IA 13 %, CSA 10 %, MSCA-ITN-ETN 6 %, MSCA-RISE 4 %,
  SME-2 2 % (1-3 partners), and the single-beneficiary grants, one row, the coordinator:
  MSCA-IF-EF-ST 10 %, ERC-STG/COG/ADG/POC 16 %, SME-1 5 %; 31 % of the projects have a single
  row. Collaborative consortia: a lognormal size (median 6, mean 7.2, capped at 70), so 5.2
  rows a project on average and a long tail of large consortia: 35,000 projects give 180,971
  rows (seed 1) and 53,078 distinct organisations.
- Roles: exactly one ``coordinator``, always row ``order`` 1; the others mostly
  ``participant``, then ``thirdParty``, ``partner`` (frequent in MSCA networks, where partner
  organisations are unfunded) and ``associatedPartner`` (more frequent under ``HORIZON``).
- Organisations: drawn from a universe of 0.4 x the expected number of rows with a Zipf-like
  frequency (rank r drawn with probability ~ r^-0.7), so that the distinct organisations are
  about 30 % of the rows at every size and the most frequent one takes part in about 1 % of
  them (CNRS's share of the real file); in the 220-project sample the head organisations
  appear in dozens of projects. An organisation's fields (ID, name, VAT, address, type,
  country, NUTS code, SME flag) are a function of (seed, rank), hence the same on all its rows.
  Frequent organisations are mostly universities and research centres, the tail mostly
  companies. Countries: the 32 EU, EEA and associated countries of ``COUNTRIES``, with about
  the H2020 shares (DE 14 %, ES 11 %, UK 10 %, IT 10 %, FR 10 %, NL 6 %, BE 5 %, ..., LI, IS and
  MT 0.2 %); the last ranks of the universe are one organisation per country, which the last
  tenth of the projects take in if their country has not appeared yet, so even a small sample
  has every country.
- Budgets: each funded row has a lognormal cost (per-scheme medians), the project's
  ``totalCost`` is their sum, kept between 50,000 and 20,000,000 EUR; ``ecContribution`` is
  100 % of the cost, 70 % for companies in innovation actions (IA, SME instrument), and
  ``ecMaxContribution`` the sum of the rows' contributions, so 70-100 % of ``totalCost``.
- Dates: start 2014-2021 (H2020) or 2021-2024 (HORIZON), durations of 12-60 months,
  ``ecSignatureDate`` 5-180 days before the start, ``contentUpdateDate`` in the year before
  the export date (2022-08-04, 2025-03-13) and after the signature, the same on the project's
  organisation rows; ``status`` CLOSED when the project ended before the export date, SIGNED
  otherwise, TERMINATED for about 1.5 %.

It streams: each project's rows are made, written and dropped before the next project, and
organisations are recomputed from their rank rather than kept (except the fields of the 1,024
most frequent, a fixed cost), so memory does not grow with the number of projects: the only
per-size structure is a bitset of the organisations seen, a bit per organisation of the
universe (9 kB at 35,000 projects). Project ids, acronyms and RCNs come from keyed
permutations, so they are unique without remembering the ones given. The same arguments always
give byte-identical files: one ``random.Random`` for the projects and one per organisation,
no clock, no set or dict iteration order.
"""

# Greek letters in organisation names are the point here, not look-alikes of Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

PROJECT_FILE = "project.csv"
ORGANIZATION_FILE = "organization.csv"


def _columns(header: str) -> tuple[str, ...]:
    return tuple(header.split(";"))


# The headers as the export spells them.
PROJECT_COLUMNS = _columns(
    "id;acronym;status;title;startDate;endDate;totalCost;ecMaxContribution;legalBasis;topics;"
    "ecSignatureDate;frameworkProgramme;masterCall;subCall;fundingScheme;nature;objective;"
    "contentUpdateDate;rcn;grantDoi"
)
ORGANIZATION_COLUMNS = _columns(
    "projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;activityType;street;"
    "postCode;city;country;nutsCode;geolocation;organizationURL;contactForm;contentUpdateDate;"
    "rcn;order;role;ecContribution;netEcContribution;totalCost;endOfParticipation;active"
)

T = TypeVar("T")
PROGRAMMES = ("H2020", "HORIZON")
ZIPF_EXPONENT = 0.7  # rank r is drawn with probability ~ r^-0.7
UNIVERSE_PER_ROW = 0.4  # organisations in the universe per expected row: ~30 % distinct
ROWS_PER_PROJECT = 5.1  # expected, to size the universe before any row is drawn
HEAD_CACHE = 1024  # the organisations of ranks below this have their fields kept
MIN_TOTAL, MAX_TOTAL = 50_000_00, 20_000_000_00  # project total cost bounds, in cents
FIRST_ID, ID_SPACE = 633_000, 366_999  # 6-digit project ids: 633000-999998
CONTACT_FORM = (
    "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/contact-form/PROJECT/"
    "{org}/{project}"
)


@dataclass(frozen=True)
class ExportStats:
    """What :func:`write_export` wrote."""

    projects: int
    participations: int  # rows of organization.csv
    organisations: int  # distinct organisationIDs
    project_bytes: int
    organization_bytes: int

    def __str__(self) -> str:
        return (
            f"{self.projects} projects, {self.participations} participations, "
            f"{self.organisations} organisations; {PROJECT_FILE} {self.project_bytes:,} bytes, "
            f"{ORGANIZATION_FILE} {self.organization_bytes:,} bytes"
        )


# --- Countries -------------------------------------------------------------------------------
# EU code (as in the CSV), participation weight (~ the H2020 shares, % of rows), language of
# names and streets, VAT prefix and number pattern, postcode patterns (9 a digit, A a letter),
# web domain; then the cities: name, NUTS 2016 level-3 code, latitude and longitude x 10^4, and
# extra forms some name patterns use.


@dataclass(frozen=True)
class _City:
    name: str
    nuts: str
    lat: int
    lon: int
    forms: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Country:
    code: str
    weight: float
    lang: str
    vat: str
    postcodes: tuple[str, ...]
    tld: str
    cities: tuple[_City, ...]


def _c(name: str, nuts: str, lat: float, lon: float, **forms: str) -> _City:
    return _City(name, nuts, round(lat * 10_000), round(lon * 10_000), tuple(sorted(forms.items())))


# fmt: off
COUNTRIES: tuple[_Country, ...] = (
    _Country("DE", 13.0, "de", "DE999999999", ("99999",), "de", (
        _c("München", "DE212", 48.1351, 11.5820), _c("Berlin", "DE300", 52.5200, 13.4050),
        _c("Aachen", "DEA2D", 50.7753, 6.0839), _c("Stuttgart", "DE111", 48.7758, 9.1829),
        _c("Karlsruhe", "DE122", 49.0069, 8.4037), _c("Dresden", "DED21", 51.0504, 13.7373),
        _c("Köln", "DEA23", 50.9375, 6.9603), _c("Jülich", "DEA26", 50.9220, 6.3583),
    )),
    _Country("UK", 11.0, "en", "GB999999999", ("AA9 9AA", "A9 9AA", "AA99 9AA"), "uk", (
        _c("London", "UKI31", 51.5074, -0.1278), _c("Cambridge", "UKH12", 52.2053, 0.1218),
        _c("Oxford", "UKJ14", 51.7520, -1.2577), _c("Edinburgh", "UKM75", 55.9533, -3.1883),
        _c("Manchester", "UKD33", 53.4808, -2.2426), _c("Aberdeen", "UKM50", 57.1497, -2.0943),
        _c("Cardiff", "UKL22", 51.4816, -3.1791),
    )),
    _Country("ES", 10.5, "es", "ESA99999999", ("99999",), "es", (
        _c("Madrid", "ES300", 40.4168, -3.7038), _c("Barcelona", "ES511", 41.3874, 2.1686),
        _c("Bilbao", "ES213", 43.2630, -2.9350), _c("Valencia", "ES523", 39.4699, -0.3763),
        _c("Sevilla", "ES618", 37.3891, -5.9845), _c("Zaragoza", "ES243", 41.6488, -0.8891),
        _c("Donostia-San Sebastián", "ES212", 43.3183, -1.9812),
        _c("A Coruña", "ES111", 43.3623, -8.4115),
    )),
    _Country("IT", 9.5, "it", "IT99999999999", ("99999",), "it", (
        _c("Roma", "ITI43", 41.9028, 12.4964), _c("Milano", "ITC4C", 45.4642, 9.1900),
        _c("Torino", "ITC11", 45.0703, 7.6869), _c("Bologna", "ITH55", 44.4949, 11.3426),
        _c("Napoli", "ITF33", 40.8518, 14.2681), _c("Padova", "ITH36", 45.4064, 11.8768),
        _c("Pisa", "ITI17", 43.7228, 10.4017), _c("Forlì", "ITH58", 44.2227, 12.0407),
    )),
    _Country("FR", 9.5, "fr", "FR99999999999", ("99999",), "fr", (
        _c("Paris", "FR101", 48.8566, 2.3522), _c("Grenoble", "FRK24", 45.1885, 5.7245),
        _c("Toulouse", "FRJ23", 43.6047, 1.4442), _c("Lyon", "FRK26", 45.7640, 4.8357),
        _c("Marseille", "FRL04", 43.2965, 5.3698), _c("Palaiseau", "FR104", 48.7145, 2.2457),
        _c("Besançon", "FRC21", 47.2378, 6.0241), _c("Orléans", "FRB06", 47.9030, 1.9093),
    )),
    _Country("NL", 6.5, "nl", "NL999999999B01", ("9999 AA",), "nl", (
        _c("Amsterdam", "NL329", 52.3676, 4.9041), _c("Delft", "NL333", 52.0116, 4.3571),
        _c("Eindhoven", "NL414", 51.4416, 5.4697), _c("Utrecht", "NL310", 52.0907, 5.1214),
        _c("Wageningen", "NL224", 51.9692, 5.6654), _c("Groningen", "NL113", 53.2194, 6.5665),
    )),
    _Country("BE", 5.0, "nl", "BE0999999999", ("9999",), "be", (
        _c("Brussel", "BE100", 50.8503, 4.3517), _c("Leuven", "BE242", 50.8798, 4.7005),
        _c("Gent", "BE234", 51.0543, 3.7174), _c("Antwerpen", "BE211", 51.2194, 4.4025),
        _c("Liège", "BE332", 50.6326, 5.5797, lang="fr"),
        _c("Louvain-la-Neuve", "BE310", 50.6683, 4.6118, lang="fr"),
    )),
    _Country("CH", 3.2, "de", "CHE999999999", ("9999",), "ch", (
        _c("Zürich", "CH040", 47.3769, 8.5417), _c("Basel", "CH031", 47.5596, 7.5886),
        _c("Lausanne", "CH011", 46.5197, 6.6323, lang="fr"),
        _c("Genève", "CH013", 46.2044, 6.1432, lang="fr"),
    )),
    _Country("EL", 3.0, "el", "EL999999999", ("999 99",), "gr", (
        _c("Athina", "EL303", 37.9838, 23.7275,
           native="Αθήνα", gen="Αθηνών", gen_lat="Athinon"),
        _c("Marousi", "EL301", 38.0561, 23.8083,
           native="Μαρούσι", gen="Αττικής", gen_lat="Attikis"),
        _c("Peiraias", "EL307", 37.9420, 23.6465,
           native="Πειραιάς", gen="Πειραιώς", gen_lat="Peiraios"),
        _c("Thessaloniki", "EL522", 40.6401, 22.9444,
           native="Θεσσαλονίκη", gen="Θεσσαλονίκης", gen_lat="Thessalonikis"),
        _c("Patra", "EL632", 38.2466, 21.7346,
           native="Πάτρα", gen="Πατρών", gen_lat="Patron"),
        _c("Irakleio", "EL431", 35.3387, 25.1442,
           native="Ηράκλειο", gen="Κρήτης", gen_lat="Kritis"),
    )),
    _Country("PT", 3.0, "pt", "PT999999999", ("9999-999",), "pt", (
        _c("Lisboa", "PT170", 38.7223, -9.1393), _c("Porto", "PT11A", 41.1579, -8.6291),
        _c("Coimbra", "PT16E", 40.2033, -8.4103), _c("Braga", "PT112", 41.5454, -8.4265),
        _c("Aveiro", "PT16D", 40.6405, -8.6538),
    )),
    _Country("AT", 3.0, "de", "ATU99999999", ("9999",), "at", (
        _c("Wien", "AT130", 48.2082, 16.3738), _c("Graz", "AT221", 47.0707, 15.4395),
        _c("Innsbruck", "AT332", 47.2692, 11.4041), _c("Linz", "AT312", 48.3069, 14.2858),
    )),
    _Country("SE", 3.0, "sv", "SE999999999901", ("999 99",), "se", (
        _c("Stockholm", "SE110", 59.3293, 18.0686), _c("Göteborg", "SE232", 57.7089, 11.9746),
        _c("Lund", "SE224", 55.7047, 13.1910), _c("Uppsala", "SE121", 59.8586, 17.6389),
        _c("Linköping", "SE123", 58.4108, 15.6214),
    )),
    _Country("DK", 2.2, "da", "DK99999999", ("9999",), "dk", (
        _c("København", "DK011", 55.6761, 12.5683), _c("Aarhus", "DK042", 56.1629, 10.2039),
        _c("Kongens Lyngby", "DK012", 55.7704, 12.5038), _c("Odense", "DK031", 55.4038, 10.4024),
    )),
    _Country("FI", 2.0, "fi", "FI99999999", ("99999",), "fi", (
        _c("Helsinki", "FI1B1", 60.1699, 24.9384), _c("Espoo", "FI1B1", 60.2055, 24.6559),
        _c("Oulu", "FI1D9", 65.0121, 25.4651), _c("Tampere", "FI197", 61.4978, 23.7610),
        _c("Jyväskylä", "FI193", 62.2426, 25.7473),
    )),
    _Country("IE", 2.0, "en", "IE9999999A", ("A99 A9A9", "A99 AA99"), "ie", (
        _c("Dublin", "IE061", 53.3498, -6.2603), _c("Cork", "IE053", 51.8985, -8.4756),
        _c("Galway", "IE042", 53.2707, -9.0568), _c("Limerick", "IE051", 52.6638, -8.6267),
    )),
    _Country("NO", 2.0, "no", "NO999999999MVA", ("9999",), "no", (
        _c("Oslo", "NO011", 59.9139, 10.7522), _c("Trondheim", "NO060", 63.4305, 10.3951),
        _c("Bergen", "NO051", 60.3913, 5.3221), _c("Tromsø", "NO072", 69.6492, 18.9553),
    )),
    _Country("PL", 2.0, "pl", "PL9999999999", ("99-999",), "pl", (
        _c("Warszawa", "PL911", 52.2297, 21.0122, adj="Warszawska"),
        _c("Kraków", "PL213", 50.0647, 19.9450, adj="Krakowska"),
        _c("Łódź", "PL711", 51.7592, 19.4560, adj="Łódzka"),
        _c("Wrocław", "PL514", 51.1079, 17.0385, adj="Wrocławska"),
        _c("Gdańsk", "PL634", 54.3520, 18.6466, adj="Gdańska"),
        _c("Poznań", "PL415", 52.4064, 16.9252, adj="Poznańska"),
    )),
    _Country("CZ", 1.0, "cs", "CZ99999999", ("999 99",), "cz", (
        _c("Praha", "CZ010", 50.0755, 14.4378), _c("Brno", "CZ064", 49.1951, 16.6068),
        _c("Ostrava", "CZ080", 49.8209, 18.2625),
    )),
    _Country("HU", 0.9, "hu", "HU99999999", ("9999",), "hu", (
        _c("Budapest", "HU110", 47.4979, 19.0402), _c("Szeged", "HU333", 46.2530, 20.1414),
        _c("Győr", "HU221", 47.6875, 17.6504), _c("Pécs", "HU231", 46.0727, 18.2323),
    )),
    _Country("SI", 0.9, "sl", "SI99999999", ("9999",), "si", (
        _c("Ljubljana", "SI041", 46.0569, 14.5058), _c("Maribor", "SI032", 46.5547, 15.6459),
    )),
    _Country("RO", 0.9, "ro", "RO99999999", ("999999",), "ro", (
        _c("București", "RO321", 44.4268, 26.1025), _c("Cluj-Napoca", "RO113", 46.7712, 23.6236),
        _c("Iași", "RO213", 47.1585, 27.6014), _c("Timișoara", "RO424", 45.7489, 21.2087),
    )),
    _Country("CY", 0.6, "el", "CY99999999A", ("9999",), "cy", (
        _c("Nicosia", "CY000", 35.1856, 33.3823,
           native="Λευκωσία", gen="Κύπρου", gen_lat="Kyprou"),
        _c("Limassol", "CY000", 34.7071, 33.0226,
           native="Λεμεσός", gen="Κύπρου", gen_lat="Kyprou"),
    )),
    _Country("BG", 0.5, "bg", "BG999999999", ("9999",), "bg", (
        _c("Sofia", "BG411", 42.6977, 23.3219), _c("Plovdiv", "BG421", 42.1354, 24.7453),
    )),
    _Country("HR", 0.5, "hr", "HR99999999999", ("99999",), "hr", (
        _c("Zagreb", "HR041", 45.8150, 15.9819), _c("Split", "HR035", 43.5081, 16.4402),
        _c("Rijeka", "HR031", 45.3271, 14.4422),
    )),
    _Country("EE", 0.5, "et", "EE999999999", ("99999",), "ee", (
        _c("Tallinn", "EE001", 59.4370, 24.7536), _c("Tartu", "EE008", 58.3780, 26.7290),
    )),
    _Country("LT", 0.4, "lt", "LT999999999", ("LT-99999",), "lt", (
        _c("Vilnius", "LT011", 54.6872, 25.2797), _c("Kaunas", "LT022", 54.8985, 23.9036),
    )),
    _Country("LU", 0.4, "fr", "LU99999999", ("L-9999",), "lu", (
        _c("Luxembourg", "LU000", 49.6116, 6.1319),
        _c("Esch-sur-Alzette", "LU000", 49.4958, 5.9806),
    )),
    _Country("SK", 0.4, "sk", "SK9999999999", ("999 99",), "sk", (
        _c("Bratislava", "SK010", 48.1486, 17.1077), _c("Košice", "SK042", 48.7164, 21.2611),
    )),
    _Country("LV", 0.3, "lv", "LV99999999999", ("LV-9999",), "lv", (
        _c("Rīga", "LV006", 56.9496, 24.1052), _c("Jelgava", "LV009", 56.6511, 23.7214),
    )),
    _Country("MT", 0.25, "en", "MT99999999", ("AAA 9999",), "mt", (
        _c("Msida", "MT001", 35.8972, 14.4892), _c("Valletta", "MT001", 35.8989, 14.5146),
    )),
    _Country("IS", 0.25, "is", "", ("999",), "is", (
        _c("Reykjavík", "IS001", 64.1466, -21.9426), _c("Akureyri", "IS002", 65.6885, -18.1262),
    )),
    _Country("LI", 0.15, "de", "", ("9999",), "li", (
        _c("Vaduz", "LI000", 47.1410, 9.5209), _c("Schaan", "LI000", 47.1650, 9.5089),
    )),
)
# fmt: on
_COUNTRY_WEIGHTS = [c.weight for c in COUNTRIES]
_COUNTRY_INDEX = {c.code: j for j, c in enumerate(COUNTRIES)}

# --- Organisation names ----------------------------------------------------------------------
# Patterns per language and activity type; {city}, {field} and the city's extra forms ({adj},
# {native}, {gen}, {gen_lat}) are filled in. A language without a pattern for a type uses "en".

# fmt: off
_FIELDS = {
    "en": (
        "Materials Science", "Marine Research", "Applied Energy", "Digital Health",
        "Climate Studies", "Photonics",
    ),
    "de": (
        "Energietechnik", "Meeresforschung", "Biophysik", "Lebensmitteltechnologie",
        "Umweltforschung", "Festkörperphysik",
    ),
    "fr": (
        "Énergie", "Sciences du Numérique", "Agronomie", "Écologie Marine", "Génie Électrique",
        "Santé Publique",
    ),
    "es": (
        "Energía", "Biotecnología", "Ciencias Marinas", "Tecnologías de la Información",
        "Investigación Agraria",
    ),
    "it": (
        "Scienze Marine", "Energia", "Biomedicina", "Tecnologie Industriali", "Fisica Applicata",
    ),
    "pt": ("Engenharia de Sistemas", "Ciências do Mar", "Biotecnologia", "Energia e Ambiente"),
    "nl": (
        "Toegepast Natuurwetenschappelijk Onderzoek", "Zeeonderzoek", "Gezondheidszorg",
        "Energieonderzoek",
    ),
}
_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "HES": (
            "University of {city}", "{city} University", "{city} Institute of Technology",
            "University College {city}",
        ),
        "REC": (
            "{city} Centre for {field}", "Institute for {field} Research",
            "National Laboratory for {field}",
        ),
        "PUB": (
            "{city} City Council", "{city} County Council",
            "Regional Development Agency of {city}",
        ),
        "OTH": (
            "European {field} Association", "{city} Chamber of Commerce", "{field} Network Europe",
        ),
    },
    "de": {
        "HES": (
            "Universität {city}", "Technische Universität {city}", "Hochschule {city}",
            "Medizinische Universität {city}",
        ),
        "REC": (
            "Institut für {field} {city}", "Forschungszentrum {city}",
            "Fraunhofer-Institut für {field}", "Leibniz-Institut für {field}",
        ),
        "PUB": ("Stadt {city}", "Landeshauptstadt {city}", "Bundesanstalt für {field}"),
        "OTH": ("Verein für {field} e.V.", "Gesellschaft für {field} {city}", "Stiftung {field}"),
    },
    "fr": {
        "HES": (
            "Université de {city}", "École Normale Supérieure de {city}",
            "Institut National Polytechnique de {city}", "Université {city} Sciences",
        ),
        "REC": (
            "Centre de Recherche en {field}", "Institut National de Recherche en {field}",
            "Laboratoire d'Électronique de {city}",
        ),
        "PUB": ("Ville de {city}", "Métropole de {city}", "Région {city}"),
        "OTH": (
            "Association Française pour l'{field}", "Chambre de Commerce et d'Industrie de {city}",
            "Pôle de Compétitivité {field}",
        ),
    },
    "es": {
        "HES": (
            "Universidad de {city}", "Universidad Politécnica de {city}",
            "Universitat Politècnica de {city}", "Universidad Autónoma de {city}",
        ),
        "REC": (
            "Centro de Investigación en {field}", "Fundación {city} Centro Tecnológico",
            "Instituto de {field} de {city}",
        ),
        "PUB": (
            "Ayuntamiento de {city}", "Diputación de {city}", "Consejería de Educación de {city}",
        ),
        "OTH": (
            "Asociación Española de {field}", "Cámara de Comercio de {city}",
            "Fundación para la {field}",
        ),
    },
    "it": {
        "HES": (
            "Università degli Studi di {city}", "Politecnico di {city}",
            "Scuola Superiore di Studi Universitari di {city}",
        ),
        "REC": (
            "Istituto di {field}", "Centro Ricerche {field} {city}",
            "Fondazione Istituto di {field}",
        ),
        "PUB": ("Comune di {city}", "Regione {city}", "Città Metropolitana di {city}"),
        "OTH": (
            "Associazione Italiana di {field}", "Camera di Commercio di {city}",
            "Consorzio {field} {city}",
        ),
    },
    "pt": {
        "HES": (
            "Universidade de {city}", "Universidade Nova de {city}",
            "Instituto Politécnico de {city}",
        ),
        "REC": (
            "Instituto de {field}", "Centro de {field} de {city}",
            "Laboratório Nacional de {field}",
        ),
        "PUB": ("Câmara Municipal de {city}", "Município de {city}"),
        "OTH": ("Associação Portuguesa de {field}", "Associação Empresarial de {city}"),
    },
    "nl": {
        "HES": (
            "Universiteit {city}", "Technische Universiteit {city}", "Hogeschool {city}",
            "Katholieke Universiteit {city}",
        ),
        "REC": (
            "Nederlandse Organisatie voor {field}", "Stichting {field} {city}",
            "Instituut voor {field}",
        ),
        "PUB": ("Gemeente {city}", "Provincie {city}", "Stad {city}"),
        "OTH": (
            "Vereniging voor {field}", "Kamer van Koophandel {city}",
            "Stichting Kennisnetwerk {city}",
        ),
    },
    "pl": {
        "HES": (
            "Politechnika {adj}", "Uniwersytet Medyczny w {city}",
            "Akademia Górniczo-Hutnicza im. Stanisława Staszica w {city}", "Szkoła Główna {adj}",
        ),
        "REC": (
            "Instytut Chemii Bioorganicznej Polskiej Akademii Nauk", "Instytut Łączności w {city}",
            "Sieć Badawcza Łukasiewicz - Instytut {adj}",
        ),
        "PUB": ("Miasto {city}", "Urząd Marszałkowski w {city}", "Gmina Miejska {city}"),
        "OTH": ("Fundacja Rozwoju {adj}", "Stowarzyszenie Inżynierów w {city}"),
    },
    "el": {
        "HES": (
            "ΠΑΝΕΠΙΣΤΗΜΙΟ {gen}", "ΕΘΝΙΚΟ ΚΑΙ ΚΑΠΟΔΙΣΤΡΙΑΚΟ ΠΑΝΕΠΙΣΤΗΜΙΟ {gen}",
            "PANEPISTIMIO {gen_lat}", "ETHNIKO METSOVIO POLYTECHNEIO",
        ),
        "REC": (
            "ΕΘΝΙΚΟ ΚΕΝΤΡΟ ΕΡΕΥΝΑΣ ΚΑΙ ΤΕΧΝΟΛΟΓΙΚΗΣ ΑΝΑΠΤΥΞΗΣ", "ΙΔΡΥΜΑ ΤΕΧΝΟΛΟΓΙΑΣ ΚΑΙ ΕΡΕΥΝΑΣ",
            "ETHNIKO KENTRO EREVNAS FYSIKON EPISTIMON DIMOKRITOS",
            "ATHINA-EREVNITIKO KENTRO KAINOTOMIAS STIS TECHNOLOGIES TIS PLIROFORIAS",
        ),
        "PUB": ("ΔΗΜΟΣ {gen}", "ΠΕΡΙΦΕΡΕΙΑ {gen}", "DIMOS {gen_lat}"),
        "OTH": ("ΕΠΙΜΕΛΗΤΗΡΙΟ {gen}", "SYNDESMOS EPICHEIRISEON KAI VIOMICHANION"),
    },
    "sv": {
        "HES": (
            "{city} Universitet", "Kungliga Tekniska Högskolan", "Chalmers Tekniska Högskola AB",
            "Sveriges Lantbruksuniversitet",
        ),
        "REC": ("RISE Research Institutes of Sweden AB", "Institutet för {field}"),
        "PUB": ("{city} Kommun", "Region {city}", "Länsstyrelsen i {city}"),
    },
    "da": {
        "HES": ("{city} Universitet", "Danmarks Tekniske Universitet", "Københavns Universitet"),
        "REC": ("Teknologisk Institut", "Alexandra Instituttet A/S"),
        "PUB": ("{city} Kommune", "Region Hovedstaden"),
    },
    "no": {
        "HES": (
            "Universitetet i {city}", "Norges Teknisk-Naturvitenskapelige Universitet NTNU",
            "Høgskulen på Vestlandet",
        ),
        "REC": (
            "Stiftelsen SINTEF", "Norsk Institutt for Vannforskning", "Havforskningsinstituttet",
        ),
        "PUB": ("{city} Kommune", "Trøndelag Fylkeskommune"),
    },
    "fi": {
        "HES": (
            "{city}n Yliopisto", "Aalto-Korkeakoulusäätiö sr", "Tampereen Korkeakoulusäätiö sr",
        ),
        "REC": ("Teknologian Tutkimuskeskus VTT Oy", "Luonnonvarakeskus", "Ilmatieteen Laitos"),
        "PUB": ("{city}n Kaupunki",),
    },
    "hu": {
        "HES": (
            "Budapesti Műszaki és Gazdaságtudományi Egyetem", "Szegedi Tudományegyetem",
            "Pécsi Tudományegyetem", "Széchenyi István Egyetem",
        ),
        "REC": (
            "Wigner Fizikai Kutatóközpont", "Számítástechnikai és Automatizálási Kutatóintézet",
        ),
        "PUB": ("{city} Megyei Jogú Város Önkormányzata", "Budapest Főváros Önkormányzata"),
    },
    "cs": {
        "HES": (
            "České Vysoké Učení Technické v Praze", "Vysoké Učení Technické v Brně",
            "Masarykova Univerzita",
        ),
        "REC": ("Fyzikální Ústav AV ČR v.v.i.", "Ústav Organické Chemie a Biochemie AV ČR v.v.i."),
        "PUB": ("Statutární Město {city}",),
    },
    "sk": {
        "HES": ("Slovenská Technická Univerzita v Bratislave", "Technická Univerzita v Košiciach"),
        "REC": ("Ústav Materiálov a Mechaniky Strojov SAV",),
        "PUB": ("Mesto {city}",),
    },
    "ro": {
        "HES": (
            "Universitatea Politehnica din {city}", "Universitatea Babeș-Bolyai",
            "Universitatea Alexandru Ioan Cuza din Iași",
        ),
        "REC": (
            "Institutul Național de Cercetare-Dezvoltare pentru Fizica Laserilor, Plasmei și "
            "Radiației",
        ),
        "PUB": ("Municipiul {city}", "Primăria Municipiului {city}"),
    },
    "sl": {
        "HES": ("Univerza v Ljubljani", "Univerza v Mariboru"),
        "REC": ("Institut Jožef Stefan", "Kemijski Inštitut"),
        "PUB": ("Mestna Občina {city}",),
    },
    "hr": {
        "HES": (
            "Sveučilište u Zagrebu Fakultet Elektrotehnike i Računarstva", "Sveučilište u Splitu",
        ),
        "REC": ("Institut Ruđer Bošković",),
        "PUB": ("Grad {city}",),
    },
    "bg": {
        "HES": ("Софийски университет Св. Климент Охридски", "Tehnicheski Universitet Sofia"),
        "REC": ("Institute of Mechanics - Bulgarian Academy of Sciences",),
        "PUB": ("Stolichna Obshtina",),
    },
    "lt": {
        "HES": ("Vilniaus Universitetas", "Kauno Technologijos Universitetas"),
        "REC": ("Valstybinis Mokslinių Tyrimų Institutas Fizinių ir Technologijos Mokslų Centras",),
        "PUB": ("{city} Miesto Savivaldybės Administracija",),
    },
    "lv": {
        "HES": ("Latvijas Universitāte", "Rīgas Tehniskā Universitāte"),
        "REC": ("Latvijas Valsts Koksnes Ķīmijas Institūts",),
        "PUB": ("Rīgas Pilsētas Pašvaldība",),
    },
    "et": {
        "HES": ("Tartu Ülikool", "Tallinna Tehnikaülikool"),
        "REC": ("Eesti Maaülikool",),
        "PUB": ("{city} Linnavalitsus",),
    },
    "is": {
        "HES": ("Háskóli Íslands", "Háskólinn í Reykjavík ehf"),
        "REC": ("Matís ohf", "Hafrannsóknastofnun"),
        "PUB": ("Reykjavíkurborg",),
    },
}
_STREETS = {
    "en": (
        "{n} High Street", "{n} Church Road", "{n} Station Road",
        "Trinity College, {n} College Green",
    ),
    "de": ("Hauptstraße {n}", "Universitätsstraße {n}", "Königsallee {n}", "Am Weißenhof {n}"),
    "fr": (
        "{n} rue de la République", "{n} avenue des États-Unis", "{n} boulevard Général Leclerc",
        "{n} rue des Écoles",
    ),
    "es": (
        "Calle Mayor {n}", "Avenida de la Universidad {n}", "Plaza de España {n}",
        "Calle Alcalá {n}",
    ),
    "it": (
        "Via Roma {n}", "Piazza dell'Università {n}", "Via Giuseppe Garibaldi {n}",
        "Corso Vittorio Emanuele II {n}",
    ),
    "pt": (
        "Rua da Liberdade {n}", "Avenida Dr. António Bernardino de Almeida {n}",
        "Praça do Comércio {n}",
    ),
    "nl": ("Kerkstraat {n}", "Stationsplein {n}", "Mekelweg {n}", "Oude Markt {n}"),
    "pl": (
        "ul. Piotrkowska {n}", "ul. Żwirki i Wigury {n}", "Plac Politechniki {n}",
        "ul. Marszałkowska {n}",
    ),
    "el": (
        "Ηρώων Πολυτεχνείου {n}", "Εγνατία {n}", "Vasilissis Sofias {n}", "Leoforos Kifisias {n}",
    ),
    "sv": ("Drottninggatan {n}", "Storgatan {n}", "Kungsgatan {n}"),
    "da": ("Nørregade {n}", "Anker Engelunds Vej {n}", "Vestergade {n}"),
    "no": ("Høgskoleringen {n}", "Kirkegata {n}", "Storgata {n}"),
    "fi": ("Otakaari {n}", "Yliopistonkatu {n}", "Mannerheimintie {n}"),
    "hu": ("Műegyetem rakpart {n}", "Petőfi Sándor utca {n}", "Fő utca {n}"),
    "cs": ("Technická {n}", "Národní {n}", "Žerotínovo náměstí {n}"),
    "sk": ("Vazovova {n}", "Letná {n}"),
    "ro": ("Strada Mihail Kogălniceanu {n}", "Splaiul Independenței {n}"),
    "sl": ("Jamova cesta {n}", "Tržaška cesta {n}"),
    "hr": ("Ulica Ivana Lučića {n}", "Bijenička cesta {n}"),
    "bg": ("ul. Akad. G. Bonchev {n}", "bul. Tsar Osvoboditel {n}"),
    "lt": ("Gedimino pr. {n}", "Saulėtekio al. {n}"),
    "lv": ("Brīvības iela {n}", "Raiņa bulvāris {n}"),
    "et": ("Akadeemia tee {n}", "Ülikooli {n}"),
    "is": ("Sæmundargata {n}", "Menntavegur {n}"),
}
_LEGAL_FORMS = {
    "DE": ("GmbH", "AG", "GmbH & Co. KG"),
    "AT": ("GmbH", "AG"),
    "CH": ("AG", "SA", "GmbH"),
    "LI": ("AG", "Anstalt"),
    "FR": ("SAS", "SARL", "SA"),
    "BE": ("NV", "BV", "SRL"),
    "LU": ("SARL", "SA"),
    "ES": ("SL", "SA", "Sociedad Limitada"),
    "IT": ("SRL", "SPA", "S.r.l."),
    "PT": ("LDA", "SA", "Unipessoal LDA"),
    "NL": ("BV", "B.V.", "NV"),
    "UK": ("LTD", "LIMITED", "PLC"),
    "IE": ("LIMITED", "DAC"),
    "MT": ("LTD", "LIMITED"),
    "CY": ("LTD", "LIMITED"),
    "PL": ("SP. Z O.O.", "SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ", "S.A."),
    "EL": ("ΑΝΩΝΥΜΗ ΕΤΑΙΡΕΙΑ", "AE", "MONOPROSOPI IDIOTIKI KEFALAIOUCHIKI ETAIREIA"),
    "SE": ("AB",),
    "DK": ("ApS", "A/S"),
    "NO": ("AS",),
    "FI": ("Oy", "Oyj"),
    "IS": ("ehf.", "hf."),
    "CZ": ("s.r.o.", "a.s."),
    "SK": ("s.r.o.",),
    "HU": ("Kft.", "Zrt.", "Korlátolt Felelősségű Társaság"),
    "RO": ("SRL", "SA"),
    "BG": ("EOOD", "OOD", "ЕООД"),
    "HR": ("d.o.o.",),
    "SI": ("d.o.o.",),
    "LT": ("UAB",),
    "LV": ("SIA",),
    "EE": ("OÜ", "AS"),
}
_COMPANY_STEMS = (
    "Nova", "Tekno", "Axi", "Bio", "Eco", "Hydro", "Intelli", "Quanta", "Sol", "Vita", "Aero",
    "Geo", "Lumi", "Neo", "Opti", "Terra", "Cyber", "Elec", "Flux", "Medi", "Nano", "Aqua", "Robo",
    "Syn",
)
_COMPANY_TAILS = (
    "tek", "gen", "lab", "sense", "via", "tron", "wave", "matic", "logic", "core", "nix", "sys",
    "form", "cell", "grid", "bit", "med", "ia", "ris", "on",
)
# fmt: on
_COMPANY_SECTORS = {
    "de": ("Technologies", "Energiesysteme", "Medizintechnik", "Software", "Anlagenbau"),
    "fr": ("Technologies", "Ingénierie", "Systèmes", "Énergies", "Conseil"),
    "es": ("Ingeniería", "Tecnologías", "Soluciones", "Energía", "Innovación"),
    "it": ("Ingegneria", "Tecnologie", "Sistemi", "Energia", "Consulting"),
    "pt": ("Engenharia", "Tecnologias", "Soluções", "Inovação"),
    "pl": ("Technologie", "Systemy", "Innowacje"),
    "hu": ("Mérnöki Iroda", "Technológia", "Fejlesztő"),
    "el": ("ΤΕΧΝΟΛΟΓΙΕΣ", "SYSTEMS", "PLIROFORIKI"),
}
_GENERIC_SECTORS = (
    "Technologies",
    "Solutions",
    "Systems",
    "Innovation",
    "Engineering",
    "Consulting",
    "Energy",
)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
_MASK64 = (1 << 64) - 1
_URL_WORDS = ("tech", "lab", "solutions", "group", "research", "innovation")

# Activity types by how often the organisation takes part: the head of the Zipf distribution is
# universities and research centres, the tail companies.
_TYPES = ("HES", "REC", "PRC", "PUB", "OTH")
_TYPE_WEIGHTS = (
    (0.002, (55, 45, 0, 0, 0)),
    (0.05, (35, 35, 15, 8, 7)),
    (1.0, (10, 15, 52, 9, 14)),
)

# --- Funding schemes ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scheme:
    name: str  # fundingScheme
    weight: float
    kind: str  # "single", "small", "collab", "network"
    cost: int  # median cost of a row, EUR
    duration: tuple[int, ...]  # months
    company_rate: int  # % of a company's cost the EU pays
    host: tuple[str, ...] = ()  # activity types a single beneficiary may have


_H2020_SCHEMES = (
    _Scheme("RIA", 34, "collab", 420_000, (36, 36, 42, 48, 48, 60), 100),
    _Scheme("IA", 13, "collab", 520_000, (36, 36, 42, 48), 70),
    _Scheme("CSA", 10, "collab", 160_000, (24, 30, 36, 36), 100),
    _Scheme("MSCA-ITN-ETN", 6, "network", 390_000, (48,), 100),
    _Scheme("MSCA-RISE", 4, "network", 180_000, (36, 48), 100),
    _Scheme("SME-2", 2, "small", 1_300_000, (24, 30), 70, ("PRC",)),
    _Scheme("MSCA-IF-EF-ST", 10, "single", 190_000, (12, 24, 24, 24), 100, ("HES", "REC")),
    _Scheme("ERC-STG", 7, "single", 1_450_000, (60,), 100, ("HES", "REC")),
    _Scheme("ERC-COG", 4, "single", 1_900_000, (60,), 100, ("HES", "REC")),
    _Scheme("ERC-ADG", 3, "single", 2_350_000, (60,), 100, ("HES", "REC")),
    _Scheme("ERC-POC", 2, "single", 150_000, (12, 18), 100, ("HES", "REC")),
    _Scheme("SME-1", 5, "single", 71_429, (12,), 70, ("PRC",)),
)
_HORIZON_SCHEMES = (
    _Scheme("HORIZON-RIA", 37, "collab", 450_000, (36, 36, 42, 48, 48, 60), 100),
    _Scheme("HORIZON-IA", 12, "collab", 520_000, (36, 36, 42, 48), 70),
    _Scheme("HORIZON-CSA", 10, "collab", 170_000, (24, 30, 36, 36), 100),
    _Scheme("HORIZON-TMA-MSCA-DN", 5, "network", 400_000, (48,), 100),
    _Scheme("HORIZON-TMA-MSCA-SE", 3, "network", 190_000, (36, 48), 100),
    _Scheme("HORIZON-EIC-ACC", 2, "small", 2_400_000, (24, 30), 70, ("PRC",)),
    _Scheme("HORIZON-TMA-MSCA-PF-EF", 11, "single", 200_000, (12, 24, 24, 24), 100, ("HES", "REC")),
    _Scheme("ERC", 15, "single", 1_700_000, (60,), 100, ("HES", "REC")),
    _Scheme("HORIZON-EIC", 5, "single", 2_500_000, (24, 36), 100, ("PRC", "REC")),
)

# H2020 programme parts for collaborative projects: legal basis, topic prefix, call stem.
_H2020_AREAS = (
    ("H2020-EU.3.1.", "SC1-PM", "SC1"),
    ("H2020-EU.3.1.", "SC1-BHC", "SC1"),
    ("H2020-EU.3.2.", "SFS", "SFS"),
    ("H2020-EU.3.3.", "LC-SC3-RES", "LC-SC3"),
    ("H2020-EU.3.3.", "EE", "EE"),
    ("H2020-EU.3.4.", "MG", "MG"),
    ("H2020-EU.3.5.", "SC5", "SC5"),
    ("H2020-EU.3.6.", "TRANSFORMATIONS", "SC6"),
    ("H2020-EU.3.7.", "SU-DRS", "SU"),
    ("H2020-EU.2.1.1.", "ICT", "ICT"),
    ("H2020-EU.2.1.2.", "NMBP", "NMBP"),
    ("H2020-EU.2.1.6.", "SPACE", "SPACE"),
    ("H2020-EU.1.2.1.", "FETOPEN", "FETOPEN"),
    ("H2020-EU.1.4.", "INFRAIA", "INFRAIA"),
)
_HORIZON_AREAS = (
    ("HORIZON.2.1", "HLTH", "HLTH"),
    ("HORIZON.2.4", "CL4", "CL4"),
    ("HORIZON.2.5", "CL5", "CL5"),
    ("HORIZON.2.6", "CL6", "CL6"),
    ("HORIZON.2.2", "CL2", "CL2"),
    ("HORIZON.2.3", "CL3", "CL3"),
    ("HORIZON.1.3", "INFRA", "INFRA"),
)
_BIENNIA = ((2014, "2014-2015"), (2016, "2016-2017"), (2018, "2018-2019-2020"))
_EXPORT_DATE = {"H2020": dt.date(2022, 8, 4), "HORIZON": dt.date(2025, 3, 13)}
_START_YEARS = {"H2020": (2014, 2021), "HORIZON": (2021, 2024)}

# --- Titles and objectives ------------------------------------------------------------------

# fmt: off
_ADJECTIVES = (
    "Smart", "Sustainable", "Integrated", "Novel", "Resilient", "Scalable", "Low-carbon",
    "Personalised", "Circular", "Autonomous", "Open", "Next-generation", "Data-driven",
    "Bio-based",
)
_SUBJECTS = (
    "heat pumps", "battery materials", "urban mobility", "coastal ecosystems",
    "cancer immunotherapy", "quantum sensors", "food supply chains", "microbial communities",
    "wind turbine blades", "digital twins", "rare diseases", "soil health", "hydrogen storage",
    "cultural heritage", "photonic circuits", "migration policy", "antimicrobial resistance",
    "forest monitoring",
)
_PURPOSES = (
    "in European cities", "for the energy transition", "across the value chain",
    "at industrial scale", "for clinical practice", "in the Mediterranean",
    "for citizens and policy makers", "under a changing climate", "in rural areas",
    "for Industry 4.0",
)
_SENTENCES = (
    "{acronym} will develop and validate {adj} solutions for {subject} {purpose}.",
    "The project brings together {n} partners from universities, research centres and industry.",
    "Current approaches to {subject} remain fragmented, costly and difficult to scale.",
    "We will demonstrate the approach in three pilot sites and assess its economic and "
    "environmental impact.",
    "The main objective of {acronym} is to close the gap between laboratory results and market "
    "uptake.",
    "A multi-actor approach will involve end users from the start of the project.",
    "Results will be made available as open data, following the FAIR principles.",
    "Work is organised in {n} work packages covering research, demonstration, dissemination and "
    "exploitation.",
    "By the end of the project, {acronym} expects to reduce costs by {pct}% and emissions by "
    "{pct2}%.",
    "The training programme will give early-stage researchers skills in science, "
    "entrepreneurship and communication.",
    "An exploitation plan and a business model will prepare the commercialisation of the main "
    "results.",
    "The impact will be measured with indicators agreed with the advisory board.",
    "Ethical, legal and gender aspects are addressed in a dedicated task.",
    "New methods in {subject} open the way to applications that were out of reach until now.",
)
# fmt: on
# Sentences with the characters a CSV reader must get right, in some objectives only.
_SEMICOLON_SENTENCES = (
    "The consortium combines modelling, experiments and social sciences; this mix is essential.",
    "Specific objectives: (i) understand the mechanisms; (ii) design; (iii) validate in the field.",
)
_QUOTED_SENTENCES = (
    'The so-called "{adj_l} {subject}" concept will be tested under real operating conditions.',
    'Stakeholders describe the present situation as "a patchwork of national rules".',
)


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice``, in one call to the C ``random()`` (this generator makes millions)."""
    return items[int(rng.random() * len(items))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint``, the same way."""
    return low + int(rng.random() * (high - low + 1))


def _objective(rng: random.Random, acronym: str, size: int) -> str:
    """A long objective text: one paragraph, or several separated by line breaks (sometimes
    blank lines, sometimes a bullet list), sometimes with ';' and quotes."""
    paragraphs = []
    for _ in range(_between(rng, 2, 5)):
        # One subject per paragraph, as the real texts have.
        values = {
            "acronym": acronym,
            "adj": _pick(rng, _ADJECTIVES).lower(),
            "subject": _pick(rng, _SUBJECTS),
            "purpose": _pick(rng, _PURPOSES),
            "n": size if size > 1 else _between(rng, 4, 9),
            "pct": _between(rng, 10, 40),
            "pct2": _between(rng, 15, 60),
        }
        chosen = rng.sample(_SENTENCES, _between(rng, 3, 6))  # no sentence twice in a row
        sentences = [sentence.format_map(values) for sentence in chosen]
        if rng.random() < 0.06:
            sentences.insert(1, _pick(rng, _SEMICOLON_SENTENCES))
        if rng.random() < 0.04:
            sentences.append(
                _pick(rng, _QUOTED_SENTENCES).format(
                    adj_l=_pick(rng, _ADJECTIVES).lower(), subject=values["subject"]
                )
            )
        # The real texts lost some spaces after full stops ("strategy.It provides").
        joiner = "" if rng.random() < 0.1 else " "
        paragraphs.append(joiner.join(sentences))
    shape = rng.random()
    if shape < 0.62:
        return " ".join(paragraphs)
    if shape < 0.82:
        return "\n".join(paragraphs)
    if shape < 0.93:
        return "\n\n".join(paragraphs)
    bullets = "\n".join(f"- {_pick(rng, _ADJECTIVES)} {_pick(rng, _SUBJECTS)}" for _ in range(3))
    rest = " ".join(paragraphs[1:])
    return f"{paragraphs[0]}\nThe expected results are:\n{bullets}\n{rest}"


def _title(rng: random.Random) -> str:
    title = f"{_pick(rng, _ADJECTIVES)} {_pick(rng, _SUBJECTS)} {_pick(rng, _PURPOSES)}"
    roll = rng.random()
    if roll < 0.05:
        return f'"{_pick(rng, _ADJECTIVES)} by design": {title}'
    if roll < 0.08:
        return f"{title}; a demonstration"
    if roll < 0.25:
        return f"Towards {title[0].lower()}{title[1:]}"
    return title


# --- Acronyms: a keyed permutation of a space of distinct, case-insensitively unique names ----

# fmt: off
_ACRO_PREFIXES = (
    "BIO", "ECO", "SMART", "HYDRO", "NANO", "AGRI", "AQUA", "CYBER", "DATA", "DIGI", "ENER", "GEO",
    "GREEN", "INNO", "MARI", "MEDI", "NEURO", "OPTI", "PHOTO", "QUANT", "ROBO", "SOL", "TERRA",
    "THERMO", "URBAN", "VITA", "ZERO", "CIRC", "CLIM", "CELL", "GENE", "IMMUNO", "META", "MICRO",
    "POLY", "PRO", "REGIO", "SYN", "TRANS", "FOREST", "OCEAN", "SOCIO", "CULT", "EDU", "MOBI",
    "PLANT", "SOIL", "WIND",
)
_ACRO_MIDDLES = (
    "", "NET", "AI", "FLEX", "CARE", "MAX", "SIM", "KIT", "ON", "IQ", "UP", "GO", "X", "LINK",
    "LOOP", "ART", "SYS", "NEXT", "VAL", "TWO", "PLUS",
)
_ACRO_SUFFIXES = (
    "CLEAN", "HEAT", "FUTURE", "LAB", "TECH", "GRID", "FOOD", "MAP", "SENSE", "TWIN", "PATH",
    "CITY", "SHIP", "FARM", "SCAN", "CAT", "GEN", "ACT", "CODE", "FLOW", "STORE", "FUEL", "WATCH",
    "SHIELD", "PLAST", "FIT", "MIND", "CAST", "DRIVE", "HUB", "MATE", "NOVA", "PORT", "RISE",
    "SAFE", "TRACE", "WAVE", "CORE", "AIR", "BOND", "CHEM", "DOSE", "EYE", "FORM", "HOME", "IMAGE",
    "LIGHT", "OMICS",
)
# fmt: on
_ACRO_VARIANTS = len(_ACRO_MIDDLES) + 3  # plain with each middle; hyphenated; digit; digit inside
_ACRO_PAIRS = len(_ACRO_PREFIXES) * len(_ACRO_SUFFIXES)
ACRONYM_SPACE = _ACRO_PAIRS * _ACRO_VARIANTS


def _camel(part: str) -> str:
    return part[:1] + part[1:].lower()


def _acronym(key: int, rng: random.Random) -> str:
    """The acronym of ``key`` (in ``[0, ACRONYM_SPACE)``): distinct keys give acronyms that
    differ even ignoring case. ``rng`` only picks the case and digit, which never make two
    acronyms equal."""
    variant, pair = divmod(key, _ACRO_PAIRS)
    p, s = divmod(pair, len(_ACRO_SUFFIXES))
    prefix, suffix = _ACRO_PREFIXES[p], _ACRO_SUFFIXES[s]
    camel = rng.random() < 0.25
    if variant < len(_ACRO_MIDDLES):  # BIOCLEAN, BIONETCLEAN, BioNetClean
        parts = (prefix, _ACRO_MIDDLES[variant], suffix)
        return "".join(_camel(x) for x in parts) if camel else "".join(parts)
    variant -= len(_ACRO_MIDDLES)
    digit = str(_between(rng, 2, 9))
    if variant == 0:  # BIO-CLEAN, Bio-Clean
        return f"{_camel(prefix)}-{_camel(suffix)}" if camel else f"{prefix}-{suffix}"
    if variant == 1:  # REGIOCLEAN2
        return f"{prefix}{suffix}{digit}"
    return f"{_camel(prefix)}-{digit}-{_camel(suffix)}"  # Smart-4-Heat


def _permute(i: int, n: int, key: int) -> int:
    """A keyed bijection of ``[0, n)``: a 4-round Feistel network on the smallest even power of
    two >= n, cycle-walking until the result falls inside the range."""
    half = 1
    while 1 << (2 * half) < n:
        half += 1
    mask = (1 << half) - 1
    x = i
    while True:
        left, right = x >> half, x & mask
        for r in range(4):
            mixed = ((right * 0x9E3779B1 + key * 0x85EBCA77 + r * 0xC2B2AE3D) >> 7) & mask
            left, right = right, left ^ mixed
        x = (left << half) | right
        if x < n:
            return x


# --- Formatting -----------------------------------------------------------------------------


def _amount(cents: int) -> str:
    """Euros as the export writes them: a decimal comma, no trailing zero, no thousands
    separator (``2154187,5``, ``1507931,25``, ``2497500``)."""
    euros, rest = divmod(cents, 100)
    if rest == 0:
        return str(euros)
    return f"{euros},{rest:02d}".rstrip("0")


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


def _timestamp(rng: random.Random, first: dt.date, last: dt.date) -> str:
    """A time between 06:00 and 20:59 of a day in ``[first, last)``, as
    ``2022-08-04 09:12:44``."""
    span = max(1, (last - first).days)
    days, seconds = divmod(rng.randrange(span * 15 * 3600), 15 * 3600)
    moment = dt.datetime(first.year, first.month, first.day, 6)
    return (moment + dt.timedelta(days=days, seconds=seconds)).isoformat(" ")


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, min(day.day, 28))


def _mix(*values: int) -> int:
    """A 64-bit hash of integers (splitmix64 steps): cheaper than seeding a generator for a
    single draw, and the same everywhere (unlike ``hash``)."""
    x = 0
    for v in values:
        x = (x ^ (v & _MASK64)) + 0x9E3779B97F4A7C15 & _MASK64
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _MASK64
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _MASK64
        x ^= x >> 31
    return x


def _coordinate(value: int) -> str:
    return f"{value / 10_000:.4f}"


_GREEK_TONOS = str.maketrans("ΆΈΉΊΌΎΏΪΫ", "ΑΕΗΙΟΥΩΙΥ")


def _upper(text: str) -> str:
    """Capitals as the export has them: Greek without accents (ΠΕΙΡΑΙΩΣ, not ΠΕΙΡΑΙΏΣ)."""
    return text.upper().translate(_GREEK_TONOS)


def _initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if len(w) > 3 and w[0].isalpha()]
    return "".join(w[0] for w in words).upper()[:6]


# --- Organisations --------------------------------------------------------------------------


class _Organisations:
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
            self.countries_seen[_COUNTRY_INDEX[country]] = True

    def missing(self) -> int | None:
        """The reserved rank of the first country not written yet, if any."""
        index = next((j for j, seen in enumerate(self.countries_seen) if not seen), None)
        return None if index is None else self.reserved + index

    def activity_type(self, rank: int) -> str:
        """PRC, HES, REC, PUB or OTH: by the rank's band (see _TYPE_WEIGHTS) and a hash."""
        share = rank / self.size
        weights = next(w for limit, w in _TYPE_WEIGHTS if share < limit)
        # A multiplicative hash (its top bits, spread evenly over consecutive ranks): called
        # for every drawn rank, so cheaper than a generator or _mix.
        roll = (((rank + self.seed * 7_919) * 0x9E3779B1) & 0xFFFFFFFF) >> 16
        roll %= sum(weights)
        for kind, weight in zip(_TYPES, weights, strict=True):
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
        rng = random.Random(_mix(self.seed, rank))
        if rank >= self.reserved:
            country = COUNTRIES[rank - self.reserved]
        else:
            country = rng.choices(COUNTRIES, _COUNTRY_WEIGHTS)[0]
        city = _pick(rng, country.cities)
        forms = dict(city.forms)
        lang = forms.get("lang", country.lang)
        greek_script = lang == "el" and rng.random() < 0.45
        city_name = forms["native"] if greek_script else city.name

        if kind == "PRC":
            stem = _pick(rng, _COMPANY_STEMS) + _pick(rng, _COMPANY_TAILS)
            sector = _pick(rng, _COMPANY_SECTORS.get(lang, _GENERIC_SECTORS))
            legal = _pick(rng, _LEGAL_FORMS[country.code])
            name = f"{stem} {sector} {legal}"
            short = stem.upper() if rng.random() < 0.7 else ""
        else:
            patterns = _NAMES.get(lang, _NAMES["en"]).get(kind) or _NAMES["en"][kind]
            if lang == "el":  # Greek script or transliterated, matching the chosen pattern
                scripted = [p for p in patterns if (p[0] >= "Α") == greek_script]
                patterns = tuple(scripted) or patterns
            field = _pick(rng, _FIELDS.get(lang, _FIELDS["en"]))
            values = {"city": city_name, "field": field, **forms}
            values.setdefault("adj", city.name)
            values.setdefault("gen", city_name)
            values.setdefault("gen_lat", city.name)
            name = _pick(rng, patterns).format_map(values)
            short = _initials(name) if rng.random() < 0.75 else ""
        if greek_script or rng.random() < 0.65:  # most names in the export are in capitals
            name = _upper(name)

        street_pattern = _pick(rng, _STREETS.get(lang, _STREETS["en"]))
        street = street_pattern.format(n=_between(rng, 1, 220)) if rng.random() < 0.93 else ""
        if street and rng.random() < 0.6:
            street = _upper(street)
        postcode = _pattern(rng, _pick(rng, country.postcodes))
        vat = _pattern(rng, country.vat) if country.vat and rng.random() < 0.78 else ""
        sme = "true" if kind == "PRC" and rng.random() < 0.6 else "false"
        nuts = city.nuts if rng.random() < 0.9 else ""
        geo = ""
        if rng.random() < 0.96:
            lat = city.lat + _between(rng, -300, 300)
            lon = city.lon + _between(rng, -300, 300)
            geo = f"{_coordinate(lat)},{_coordinate(lon)}"
        url = ""
        if rng.random() < 0.7:
            slug = (short or _pick(rng, _COMPANY_STEMS)).lower()
            slug = "".join(ch for ch in slug if ch.isascii() and ch.isalnum()) or "org"
            scheme = "https" if rng.random() < 0.6 else "http"
            url = f"{scheme}://www.{slug}{_pick(rng, _URL_WORDS)}.{country.tld}"
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


# --- Projects -------------------------------------------------------------------------------


def _lognormal_cents(rng: random.Random, median_eur: int, sigma: float) -> int:
    euros = rng.lognormvariate(0.0, sigma) * median_eur
    cents = int(euros * 100)
    return cents - cents % 100 if rng.random() < 0.45 else cents  # many whole amounts


def _calls(
    rng: random.Random, scheme: _Scheme, programme: str, start: dt.date
) -> tuple[str, str, str, str]:
    """legalBasis, topics, masterCall, subCall."""
    year = max(_START_YEARS[programme][0], start.year - _pick(rng, (0, 1, 1)))
    name = scheme.name
    if programme == "HORIZON":
        if name == "ERC":
            kind = _pick(rng, ("STG", "COG", "ADG", "SyG", "POC"))
            return "HORIZON.1.1", f"ERC-{year}-{kind}", f"ERC-{year}-{kind}", f"ERC-{year}-{kind}"
        if "MSCA" in name:
            action = {"DN": "DN", "SE": "SE"}.get(name.rsplit("-", 1)[-1], "PF")
            call = f"HORIZON-MSCA-{year}-{action}-01"
            return "HORIZON.1.2", f"{call}-01", call, call
        if "EIC" in name:
            instrument = _pick(rng, ("ACCELERATOR", "PATHFINDEROPEN", "TRANSITION"))
            call = f"HORIZON-EIC-{year}-{instrument}-01"
            return "HORIZON.3.1", call, call, call
        legal, stem, _ = _pick(rng, _HORIZON_AREAS)
        call = f"HORIZON-{stem}-{year}-D{_between(rng, 1, 6)}-0{_between(rng, 1, 2)}"
        return legal, f"{call}-{_between(rng, 1, 12):02d}", call, call
    if name.startswith("ERC"):
        kind = name.split("-", 1)[1]
        return "H2020-EU.1.1.", f"ERC-{year}-{kind}", f"ERC-{year}-{kind}", f"ERC-{year}-{kind}"
    if name.startswith("MSCA"):
        action = name.split("-")[1]
        legal = {"ITN": "H2020-EU.1.3.1.", "IF": "H2020-EU.1.3.2.", "RISE": "H2020-EU.1.3.3."}
        call = f"H2020-MSCA-{action}-{year}"
        return legal[action], f"MSCA-{action}-{year}", call, call
    if name.startswith("SME"):
        phase = name[-1]
        if year >= 2018:
            return (
                "H2020-EU.2.3.", "EIC-SMEInst-2018-2020", "H2020-EIC-SMEInst-2018-2020",
                f"H2020-SMEInst-2018-2020-{phase}",
            )  # fmt: skip
        return (
            "H2020-EU.2.3.1.", f"SMEInst-0{_between(rng, 1, 9)}-2016-2017",
            f"H2020-SMEINST-{phase}-2016-2017", f"H2020-SMEINST-{phase}-{year}",
        )  # fmt: skip
    legal, stem, call = _pick(rng, _H2020_AREAS)
    biennium = next(b for first, b in reversed(_BIENNIA) if year >= first)
    topic = f"{stem}-{_between(rng, 1, 30):02d}-{year}"
    stage = _pick(rng, ("", "-two-stage", "-single-stage", f"-{_between(rng, 1, 3)}"))
    sub = f"H2020-{call}-{year}{stage}"
    return legal, topic, f"H2020-{call}-{biennium}", sub


def _consortium_size(rng: random.Random, scheme: _Scheme) -> int:
    if scheme.kind == "single":
        return 1
    if scheme.kind == "small":
        return _pick(rng, (1, 1, 2, 3))
    # Lognormal: median 6, mean ~7.2, a long tail up to 70 partners.
    return max(2, min(70, round(rng.lognormvariate(1.78, 0.62))))


def _role(rng: random.Random, scheme: _Scheme, programme: str) -> str:
    roll = rng.random()
    if scheme.kind == "network":
        thresholds = ((0.56, "participant"), (0.93, "partner"), (0.97, "thirdParty"))
    elif programme == "HORIZON":
        thresholds = ((0.76, "participant"), (0.88, "associatedPartner"), (0.98, "thirdParty"))
    else:
        thresholds = ((0.84, "participant"), (0.92, "thirdParty"), (0.96, "partner"))
    horizon_collab = programme == "HORIZON" and scheme.kind != "network"
    fallback = "partner" if horizon_collab else "associatedPartner"
    return next((role for limit, role in thresholds if roll < limit), fallback)


@dataclass(slots=True)
class _Row:
    rank: int
    role: str
    cost: int | None  # cents; None: not reported (associated partners)
    ec: int | None
    net: int | None
    ended: bool


def _participations(
    rng: random.Random,
    scheme: _Scheme,
    programme: str,
    orgs: _Organisations,
    extra: int | None = None,
) -> list[_Row]:
    """The rows of one project: ranks, roles and amounts (no strings yet: the organisation
    fields are made as the rows are written). ``extra``, a rank, replaces the last partner
    of a consortium."""
    size = _consortium_size(rng, scheme)
    ranks: list[int] = []
    for position in range(size):
        for _attempt in range(60):
            rank = orgs.draw(rng)
            if rank in ranks:
                continue
            # Single beneficiaries have the right kind of host (an SME for SME-1, a university
            # or research centre for ERC and MSCA fellowships).
            if position == 0 and scheme.host and orgs.activity_type(rank) not in scheme.host:
                continue
            break
        if rank not in ranks:
            ranks.append(rank)
    if extra is not None and len(ranks) > 1 and extra not in ranks:
        ranks[-1] = extra

    rows = []
    for position, rank in enumerate(ranks):
        role = "coordinator" if position == 0 else _role(rng, scheme, programme)
        kind = orgs.activity_type(rank)
        rate = scheme.company_rate if kind == "PRC" else 100
        if scheme.name == "SME-1":
            cost, ec = 71_429_00, 50_000_00  # the lump sum: 50,000 EUR at 70 %
        elif role == "associatedPartner":
            rows.append(_Row(rank, role, None, None, None, False))
            continue
        elif role == "partner":
            cost = ec = 0
        else:
            factor = 1.4 if role == "coordinator" else 0.3 if role == "thirdParty" else 1.0
            cost = _lognormal_cents(rng, round(scheme.cost * factor), 0.55 if size > 1 else 0.2)
            ec = (cost * rate + 50) // 100
            if role == "thirdParty" and rng.random() < 0.4:
                cost = ec = 0  # a linked third party without costs of its own
        rows.append(_Row(rank, role, cost, ec, ec, rng.random() < 0.02 and position > 0))

    # Keep the project's total cost within bounds by scaling the rows together.
    total = sum(r.cost or 0 for r in rows)
    target = min(max(total, MIN_TOTAL), MAX_TOTAL)
    if total and target != total:
        for r in rows:
            if r.cost:
                r.cost = r.cost * target // total
                r.ec = min(r.cost, (r.ec or 0) * target // total)
                r.net = r.ec
    for r in rows:
        if r.ec and rng.random() < 0.08:  # some net contributions below the contribution
            r.net = r.ec - r.ec * _between(rng, 1, 5) // 100
    return rows


def _projects(
    rng: random.Random, seed: int, projects: int, programme: str, orgs: _Organisations
) -> Iterator[tuple[list[str], list[list[str]]]]:
    """One project.csv row and its organization.csv rows at a time."""
    schemes = _H2020_SCHEMES if programme == "H2020" else _HORIZON_SCHEMES
    weights = [s.weight for s in schemes]
    export = _EXPORT_DATE[programme]
    first_year, last_year = _START_YEARS[programme]
    rcn_space = max(2 * projects, 100_000)
    for i in range(projects):
        scheme = rng.choices(schemes, weights)[0]
        project_id = str(FIRST_ID + _permute(i, ID_SPACE, seed))
        acronym_key = _permute(i % ACRONYM_SPACE, ACRONYM_SPACE, seed + 1)
        acronym = _acronym(acronym_key, rng)
        if i >= ACRONYM_SPACE:  # beyond the space: a numbered series, still unique
            acronym = f"{acronym}-{i // ACRONYM_SPACE + 1}"

        start = dt.date(_between(rng, first_year, last_year), _between(rng, 1, 12), 1)
        if rng.random() < 0.15:
            start = start.replace(day=_between(rng, 2, 28))
        months = _pick(rng, scheme.duration)
        end = _add_months(start, months) - dt.timedelta(days=1)
        signed = start - dt.timedelta(days=_between(rng, 5, 180))
        status = "CLOSED" if end < export else "SIGNED"
        if rng.random() < 0.015:
            status = "TERMINATED"
        legal, topic, master, sub = _calls(rng, scheme, programme, start)
        # Records are updated after the signature and within the year before the export; the
        # organisation rows with their project.
        since = max(signed, export - dt.timedelta(days=365))
        updated = _timestamp(rng, since, export)

        # In the last tenth, consortia take in the countries not seen yet (none, at 35,000).
        extra = None
        if i >= projects * 0.9 and scheme.kind in ("collab", "network"):
            extra = orgs.missing()
        rows = _participations(rng, scheme, programme, orgs, extra)
        total = sum(r.cost or 0 for r in rows)
        ec_max = sum(r.ec or 0 for r in rows)
        project = [
            project_id, acronym, status, _title(rng), start.isoformat(), end.isoformat(),
            _amount(total), _amount(ec_max), legal, topic, signed.isoformat(), programme,
            master, sub, scheme.name, "", _objective(rng, acronym, len(rows)), updated,
            str(200_000 + _permute(i, rcn_space, seed + 2)), f"10.3030/{project_id}",
        ]  # fmt: skip

        participations = []
        for order, row in enumerate(rows, start=1):
            (org_id, vat, name, short, sme, kind, street, postcode, city, country, nuts, geo,
             url, org_rcn) = orgs.fields(row.rank)  # fmt: skip
            orgs.mark(row.rank, country)
            participations.append([
                project_id, acronym, org_id, vat, name, short, sme, kind, street, postcode,
                city, country, nuts, geo, url, CONTACT_FORM.format(org=org_id, project=project_id),
                updated, org_rcn, str(order), row.role,
                "" if row.ec is None else _amount(row.ec),
                "" if row.net is None else _amount(row.net),
                "" if row.cost is None else _amount(row.cost),
                "true" if row.ended else "false", "true",
            ])  # fmt: skip
        yield project, participations


def write_export(
    folder: Path, projects: int, seed: int = 1, programme: str = "H2020"
) -> ExportStats:
    """Write ``folder/project.csv`` and ``folder/organization.csv``: ``projects`` projects of
    ``programme`` (``H2020`` or ``HORIZON``), the same bytes for the same arguments."""
    if programme not in PROGRAMMES:
        raise ValueError(f"programme must be one of {', '.join(PROGRAMMES)}, not {programme!r}")
    if not 0 < projects <= ID_SPACE:
        raise ValueError(f"projects must be between 1 and {ID_SPACE}")
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    universe = max(100, round(UNIVERSE_PER_ROW * ROWS_PER_PROJECT * projects))
    orgs = _Organisations(seed, universe)
    participations = 0
    # utf-8-sig writes the byte-order mark the real files start with; newline="" leaves the
    # line ends to the csv module (LF, as lineterminator says; embedded newlines stay LF).
    with (
        (folder / PROJECT_FILE).open("w", encoding="utf-8-sig", newline="") as pf,
        (folder / ORGANIZATION_FILE).open("w", encoding="utf-8-sig", newline="") as of,
    ):
        options = {"delimiter": ";", "quoting": csv.QUOTE_ALL, "lineterminator": "\n"}
        project_writer = csv.writer(pf, **options)  # type: ignore[arg-type]
        organization_writer = csv.writer(of, **options)  # type: ignore[arg-type]
        project_writer.writerow(PROJECT_COLUMNS)
        organization_writer.writerow(ORGANIZATION_COLUMNS)
        for project, rows in _projects(rng, seed, projects, programme, orgs):
            project_writer.writerow(project)
            organization_writer.writerows(rows)
            participations += len(rows)
    return ExportStats(
        projects=projects,
        participations=participations,
        organisations=orgs.distinct,
        project_bytes=(folder / PROJECT_FILE).stat().st_size,
        organization_bytes=(folder / ORGANIZATION_FILE).stat().st_size,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=35_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--programme", choices=PROGRAMMES, default="H2020")
    args = parser.parse_args()
    started = time.perf_counter()
    stats = write_export(args.out, args.projects, seed=args.seed, programme=args.programme)
    print(f"{stats} -> {args.out} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
