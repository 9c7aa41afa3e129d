"""The distributions of the synthetic data, each a named constant, with where they come from.

They describe EU project data as the CORDIS Horizon 2020 export and Interreg Europe show it;
the records of ``projectgraph synth`` (:mod:`projectgraph.synth.generate`) and the CORDIS-style
CSV export (:mod:`projectgraph.synth.cordis`) are both drawn from them.

- **Partners per project** (:data:`SINGLE_SHARE`, :data:`CONSORTIUM_LOG_MU`,
  :data:`CONSORTIUM_LOG_SIGMA`, :data:`MAX_PARTNERS`): shaped like the CORDIS Horizon 2020
  export (about 35,000 projects and 170,000-180,000 participations, so about 5 a project).
  40 % of the projects are single-beneficiary grants (ERC, MSCA individual fellowships, SME
  instrument phase 1: roughly that share of H2020 grants has one participant); the others are
  consortia of ``2 + round(X)`` partners, X lognormal with median e^1.32 = 3.7 and sigma 0.9
  (a heavy right tail: about 4.5 % of consortia have 20 partners or more, and a few reach the
  cap of 100, like the biggest H2020 flagships and joint programmes), so consortia have a
  median of 6 and a mean of about 7.6 partners and all projects together a mean of about 5.0
  (measured: 5.0 at 2,000, 35,000 and 100,000 projects).
- **Roles** (:data:`ROLE_SHARES`): exactly one coordinator a project (its first partner; the
  lead partner in Interreg). The others are ``participant`` in Horizon programmes (the CORDIS
  role value) and ``partner`` in Interreg; a few are third parties (4 %) or associated
  partners (2 %) in Horizon (about their shares of the CORDIS rows) and advisory partners in
  Interreg (5 %), where the roles table has those roles.
- **Organisations** (:data:`POOL_PER_PROJECT`, :data:`MIN_POOL`, :data:`ZIPF_EXPONENT`): drawn
  from a shared pool of 0.85 x the number of projects (at least 10), with a Zipf-like
  popularity (the organisation of rank r is drawn with probability ~ r^-0.7, the exponent of
  the CORDIS-style export, :mod:`projectgraph.synth.cordis`): the most popular one takes part in
  about 1.3 % of all participations at 35,000 projects (CNRS's share of the real export), in
  about 3 % at 2,000, 1 % at 100,000; about 95 % of the pool is used (0.8 organisations a
  project), 15 % of those in one project only. An organisation is at most once in a
  project (drawn again on a repeat) and is described identically in every record it is in:
  its fields (name, country, region, cluster flag, identifier) are fixed when the pool is made.
  Popular ranks are mostly universities and research centres, the tail mostly companies
  (:data:`HEAD_SHARE`, :data:`HEAD_KINDS`, :data:`TAIL_KINDS`: about the H2020 activity types
  among frequent and occasional participants).
- **Countries** (:data:`COUNTRY_WEIGHTS`): about the H2020 shares of participations (DE 13 %,
  UK 11 %, ES 10.5 %, IT and FR 9.5 %, NL 6.5 %, BE 5 %, ..., LI 0.15 %), for the countries of
  the reference countries table (EU, EEA, Switzerland, the United Kingdom); the third
  countries of the real export (about 3 % of its rows) are left out, so every organisation has
  a country. **Regions**: an organisation gets, with probability :data:`REGION_SHARE` (0.9:
  CORDIS states a NUTS code for most participants), one of the real NUTS 3 regions of its
  country (uniformly), from the reference data's NUTS list.
- **Cluster organisations** (:data:`CLUSTER_SHARES`): 6 % true (cluster organisations are a
  small minority of participants), 74 % false, and 20 % without the flag (sources such as the
  CORDIS export do not state it); none of the most popular 5 % (the head of universities
  and institutes) is a cluster, there the true share counts as false. Cluster organisations
  are named like clusters.
- **Programmes** (:data:`CONSORTIUM_PROGRAMME_WEIGHTS`, :data:`SINGLE_PROGRAMME_WEIGHTS`): of
  the reference programmes table, by their slug. Consortia: Horizon 2020 75 %, Horizon Europe
  10 %, Interreg Europe 15 %; single-beneficiary grants are Horizon only (H2020 88 %, Horizon
  Europe 12 %); overall H2020 80 %, Horizon Europe 11 %, Interreg Europe 9 %. A programme
  of the table that these tables do not name is drawn as often as the least frequent one
  (following Interreg's rules if its slug says ``interreg``, else Horizon's).
- **Dates** (:data:`START_YEARS`, :data:`DURATION_WEIGHTS`): start on the first of a month in
  2014-2021 (H2020 2014-2021, Horizon Europe 2021, Interreg Europe 2016-2019: the years their
  projects started), durations of 12-60 months (Horizon consortia mostly 36 or 48, single
  grants 24 (fellowships) or 60 (ERC), Interreg Europe 48-60), the end the day before the
  start plus the duration, so ``eurio:duration`` is that number of months.
- **Budgets** (:data:`COST_MEDIANS`, :data:`COST_SIGMAS`, :data:`MIN_COST`,
  :data:`MAX_COST`): total cost lognormal: single grants median 600,000 EUR (sigma 1.0: from
  MSCA fellowships of ~0.2 M to ERC grants of ~2.5 M), Horizon consortia 400,000 EUR a partner
  (sigma 0.5), Interreg Europe projects median 1.7 M (sigma 0.3), kept between 50,000 and
  150 M. **EU contribution** (:data:`HORIZON_RATES`, :data:`INTERREG_RATE`) = total x rate,
  rounded down to the cent, so never above the total: Horizon 100 % (research and
  coordination actions, ERC, MSCA) or for a quarter of the consortia 70 % (innovation actions);
  Interreg 85 % (the ERDF co-financing rate of public partners).
- **Topics** (:data:`TOPIC_COUNT_WEIGHTS`): 0-3 distinct topics of the topics table (0: 40 %,
  1: 30 %, 2: 20 %, 3: 10 %).
- **Names**: titles from word lists, an abstract of one sentence, acronyms of 2-3 invented
  syllables followed by the project's number (``VELORA27``), hence unique, and so are their
  slugs (letters, then the digits of a unique number).

The CORDIS-style CSV export (:mod:`projectgraph.synth.cordis`) draws its countries from
:data:`COUNTRY_WEIGHTS` and its organisations with :data:`ZIPF_EXPONENT` too; its own tables
(:data:`H2020_SCHEMES`, :data:`HORIZON_SCHEMES`, :data:`ACTIVITY_TYPE_WEIGHTS`,
:data:`CORDIS_START_YEARS`, :data:`UNIVERSE_PER_ROW`) give, measured at 35,000 projects:

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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")

SINGLE_SHARE = 0.40  # projects with one beneficiary (ERC, MSCA fellowships, SME-1)
CONSORTIUM_MIN = 2  # a consortium has at least this many partners ...
CONSORTIUM_LOG_MU = 1.32  # ... plus round(lognormal(mu, sigma)) more
CONSORTIUM_LOG_SIGMA = 0.9
MAX_PARTNERS = 100  # the largest consortia

POOL_PER_PROJECT = 0.85  # organisations in the shared pool per project
MIN_POOL = 10
ZIPF_EXPONENT = 0.7  # rank r (0-based) is drawn with weight (r + 1) ** -ZIPF_EXPONENT

# Shares of the other partners' roles (by role notation), per programme family; the rest are
# "participant" (Horizon) or "partner" (Interreg).
ROLE_SHARES: dict[str, dict[str, float]] = {
    "horizon": {"thirdParty": 0.04, "associatedPartner": 0.02},
    "interreg": {"advisoryPartner": 0.05},
}
# The role as the source writes it (CORDIS role values for Horizon, Interreg's own words).
ROLE_FUNCTIONS: dict[str, dict[str, str]] = {
    "horizon": {
        "coordinator": "coordinator",
        "participant": "participant",
        "partner": "partner",
        "thirdParty": "thirdParty",
        "associatedPartner": "associatedPartner",
    },
    "interreg": {
        "coordinator": "Lead partner",
        "partner": "Partner",
        "participant": "Partner",
        "advisoryPartner": "Advisory partner",
    },
}

# ISO 3166-1 alpha-2 code -> share of H2020 participations (%), about; see the docstring.
COUNTRY_WEIGHTS: dict[str, float] = {
    "DE": 13.0, "GB": 11.0, "ES": 10.5, "IT": 9.5, "FR": 9.5, "NL": 6.5, "BE": 5.0,
    "CH": 3.2, "GR": 3.0, "PT": 3.0, "AT": 3.0, "SE": 3.0, "DK": 2.2, "FI": 2.0, "IE": 2.0,
    "NO": 2.0, "PL": 2.0, "CZ": 1.0, "HU": 0.9, "SI": 0.9, "RO": 0.9, "CY": 0.6, "BG": 0.5,
    "HR": 0.5, "EE": 0.5, "LT": 0.4, "LU": 0.4, "SK": 0.4, "LV": 0.3, "MT": 0.25, "IS": 0.25,
    "LI": 0.15,
}  # fmt: skip
REGION_SHARE = 0.9  # organisations of a country with reference regions that get one

CLUSTER_SHARES: dict[bool | None, float] = {True: 0.06, False: 0.74, None: 0.20}

HEAD_SHARE = 0.05  # the most popular ranks of the pool, mostly universities and institutes
HEAD_KINDS: dict[str, float] = {
    "university": 0.45, "research": 0.35, "public": 0.08, "company": 0.07, "other": 0.05,
}  # fmt: skip
TAIL_KINDS: dict[str, float] = {
    "university": 0.05, "research": 0.08, "public": 0.10, "company": 0.65, "other": 0.12,
}  # fmt: skip

# Programme slug -> weight; programmes of the table not named here get the smallest weight.
CONSORTIUM_PROGRAMME_WEIGHTS: dict[str, float] = {
    "horizon-2020": 75.0,
    "horizon-europe": 10.0,
    "interreg-europe": 15.0,
}
SINGLE_PROGRAMME_WEIGHTS: dict[str, float] = {"horizon-2020": 88.0, "horizon-europe": 12.0}

START_YEARS: dict[str, tuple[int, int]] = {
    "horizon-2020": (2014, 2021),
    "horizon-europe": (2021, 2021),
    "interreg-europe": (2016, 2019),
}
DEFAULT_START_YEARS = (2014, 2021)
# Duration in months -> weight, by kind of project.
DURATION_WEIGHTS: dict[str, dict[int, float]] = {
    "single": {12: 5, 18: 5, 24: 35, 36: 10, 48: 5, 60: 40},
    "horizon": {24: 15, 30: 5, 36: 35, 42: 10, 48: 25, 60: 10},
    "interreg": {48: 30, 54: 20, 60: 50},
}

# Total cost: lognormal with these medians (EUR; "horizon" is per partner) and sigmas.
COST_MEDIANS: dict[str, float] = {"single": 600_000, "horizon": 400_000, "interreg": 1_700_000}
COST_SIGMAS: dict[str, float] = {"single": 1.0, "horizon": 0.5, "interreg": 0.3}
MIN_COST = 50_000
MAX_COST = 150_000_000
# EU contribution rate (%) -> weight, for Horizon consortia; single grants are 100 %.
HORIZON_RATES: dict[int, float] = {100: 0.75, 70: 0.25}
INTERREG_RATE = 85

TOPIC_COUNT_WEIGHTS: dict[int, float] = {0: 0.40, 1: 0.30, 2: 0.20, 3: 0.10}


# --- The CORDIS-style export ---------------------------------------------------------------------

UNIVERSE_PER_ROW = 0.4  # organisations in the universe per expected row: ~30 % distinct
ROWS_PER_PROJECT = 5.1  # expected, to size the universe before any row is drawn
CORDIS_START_YEARS = {"H2020": (2014, 2021), "HORIZON": (2021, 2024)}

# Activity types by how often the organisation takes part: the head of the Zipf distribution is
# universities and research centres, the tail companies.
ACTIVITY_TYPES = ("HES", "REC", "PRC", "PUB", "OTH")
ACTIVITY_TYPE_WEIGHTS = (
    (0.002, (55, 45, 0, 0, 0)),
    (0.05, (35, 35, 15, 8, 7)),
    (1.0, (10, 15, 52, 9, 14)),
)


@dataclass(frozen=True)
class Scheme:
    """A CORDIS funding scheme: its share of the projects and the shape of its consortia."""

    name: str  # fundingScheme
    weight: float
    kind: str  # "single", "small", "collab", "network"
    cost: int  # median cost of a row, EUR
    duration: tuple[int, ...]  # months
    company_rate: int  # % of a company's cost the EU pays
    host: tuple[str, ...] = ()  # activity types a single beneficiary may have


H2020_SCHEMES = (
    Scheme("RIA", 34, "collab", 420_000, (36, 36, 42, 48, 48, 60), 100),
    Scheme("IA", 13, "collab", 520_000, (36, 36, 42, 48), 70),
    Scheme("CSA", 10, "collab", 160_000, (24, 30, 36, 36), 100),
    Scheme("MSCA-ITN-ETN", 6, "network", 390_000, (48,), 100),
    Scheme("MSCA-RISE", 4, "network", 180_000, (36, 48), 100),
    Scheme("SME-2", 2, "small", 1_300_000, (24, 30), 70, ("PRC",)),
    Scheme("MSCA-IF-EF-ST", 10, "single", 190_000, (12, 24, 24, 24), 100, ("HES", "REC")),
    Scheme("ERC-STG", 7, "single", 1_450_000, (60,), 100, ("HES", "REC")),
    Scheme("ERC-COG", 4, "single", 1_900_000, (60,), 100, ("HES", "REC")),
    Scheme("ERC-ADG", 3, "single", 2_350_000, (60,), 100, ("HES", "REC")),
    Scheme("ERC-POC", 2, "single", 150_000, (12, 18), 100, ("HES", "REC")),
    Scheme("SME-1", 5, "single", 71_429, (12,), 70, ("PRC",)),
)
HORIZON_SCHEMES = (
    Scheme("HORIZON-RIA", 37, "collab", 450_000, (36, 36, 42, 48, 48, 60), 100),
    Scheme("HORIZON-IA", 12, "collab", 520_000, (36, 36, 42, 48), 70),
    Scheme("HORIZON-CSA", 10, "collab", 170_000, (24, 30, 36, 36), 100),
    Scheme("HORIZON-TMA-MSCA-DN", 5, "network", 400_000, (48,), 100),
    Scheme("HORIZON-TMA-MSCA-SE", 3, "network", 190_000, (36, 48), 100),
    Scheme("HORIZON-EIC-ACC", 2, "small", 2_400_000, (24, 30), 70, ("PRC",)),
    Scheme("HORIZON-TMA-MSCA-PF-EF", 11, "single", 200_000, (12, 24, 24, 24), 100, ("HES", "REC")),
    Scheme("ERC", 15, "single", 1_700_000, (60,), 100, ("HES", "REC")),
    Scheme("HORIZON-EIC", 5, "single", 2_500_000, (24, 36), 100, ("PRC", "REC")),
)


def items(table: Mapping[K, float]) -> tuple[list[K], list[float]]:
    """Keys and weights of a weight table, in its (fixed) order."""
    return list(table), [float(w) for w in table.values()]


def zipf_weights(size: int) -> list[float]:
    """The Zipf-like popularity of ranks ``0 .. size - 1`` (rank r: (r + 1) ** -ZIPF_EXPONENT)."""
    return [(r + 1) ** -ZIPF_EXPONENT for r in range(size)]
