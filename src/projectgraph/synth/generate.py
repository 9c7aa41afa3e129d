"""``projectgraph synth``: a realistic synthetic data set of N EU projects, written as ordinary
source records (one Turtle file per project, made by :func:`record_turtle` exactly as the
importers make theirs) into a folder, for benchmarks and scale tests.

    synthesize(Path("/tmp/synth"), projects=100_000, seed=1, settings=settings, workers=2)

Nothing in it is real: organisations, names, acronyms and amounts are invented; only the
reference concepts (countries, NUTS regions, roles, programmes, topics) come from the
project's reference tables (``settings.reference_dir``), so every record satisfies the shapes
(no violation, no warning). The distributions, each a named constant below:

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
  the CORDIS export generator ``bench/cordis_export.py``): the most popular one takes part in
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
  a country. **Regions**: the reference regions table holds a few NUTS regions only; an
  organisation of a country that has some gets one of them (uniformly) with probability
  :data:`REGION_SHARE` (0.25, as if the rest of the country were in regions the table lacks),
  elsewhere none.
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

Provenance: each record says it was made by ``projectgraph synth --projects N --seed S`` (its
source "file" is that command line), with the SHA-256 of the parameters (the canonical JSON of
generator, format, projects and seed) as the input checksum.

Determinism: one ``random.Random(seed)`` makes, in the parent process and in order, first the
organisation pool and then the plan of every project (who takes part with which role, the
dates, amounts, topics, names); no global random state, no ``hash()``, no clock. Workers only
render and write the planned records (forked processes, in chunks of :data:`CHUNK`), so
project k's file does not depend on ``workers``, and the same (projects, seed) always gives
byte-identical files. A file whose bytes are already those is not rewritten; others are
written to a temporary file and renamed over the old one (without an fsync per file: see
:func:`_write_file`). Files of an earlier run with more projects are left in place (never
deleted).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import math
import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from projectgraph import __version__
from projectgraph.errors import ProjectGraphError
from projectgraph.importers.record import (
    Organisation,
    Partner,
    ProjectRecord,
    SourceInput,
    organisation_slug,
    record_turtle,
    sha256,
)
from projectgraph.importers.reference import Concept, Reference
from projectgraph.rdf.vocab import EURIO
from projectgraph.settings import Settings

# --- Distributions (see the module docstring for their sources) ------------------------------

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
REGION_SHARE = 0.25  # organisations of a country with reference regions that get one

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

FORMAT = 1  # of the generator's output; part of the parameters' checksum
CHUNK = 200  # records a worker renders per task

# --- Words ----------------------------------------------------------------------------------

_SYLLABLES = (
    "ba", "bio", "ca", "cor", "da", "dyn", "el", "fe", "ga", "gen", "geo", "in", "ka", "kor",
    "la", "lex", "lu", "ma", "mar", "med", "na", "neo", "no", "nor", "o", "pa", "pro", "ra",
    "ri", "sa", "sol", "ta", "te", "tek", "ter", "tra", "va", "ver", "vi", "xa", "zen", "zo",
)  # fmt: skip
_ADJECTIVES = (
    "Sustainable", "Smart", "Resilient", "Integrated", "Open", "Advanced", "Circular",
    "Inclusive", "Scalable", "Low-carbon", "Digital", "Collaborative", "Next-generation",
    "Secure", "Adaptive",
)  # fmt: skip
_SUBJECTS = (
    "energy systems", "manufacturing", "health data", "food chains", "water management",
    "urban mobility", "materials", "battery technologies", "cluster policies",
    "regional innovation", "quantum sensing", "climate services", "cultural heritage",
    "agriculture", "maritime transport", "photonics", "robotics", "public services",
)  # fmt: skip
_PURPOSES = (
    "European competitiveness", "the green transition", "SMEs", "rural regions",
    "ageing societies", "industrial symbiosis", "citizens' wellbeing", "coastal areas",
    "knowledge transfer", "the circular economy", "smart specialisation", "cross-border markets",
)  # fmt: skip
_FIELDS = (
    "Applied Physics", "Bioeconomy", "Energy Research", "Materials Science", "Marine Science",
    "Digital Innovation", "Health Research", "Environmental Studies", "Advanced Manufacturing",
    "Food Technology", "Regional Development", "Data Science", "Photonics", "Transport",
)  # fmt: skip
_SECTORS = (
    "Solutions", "Technologies", "Systems", "Energy", "Robotics", "Analytics", "Materials",
    "Biotech", "Engineering", "Consulting", "Software", "Instruments",
)  # fmt: skip
_CLUSTER_SECTORS = (
    "Photonics", "Automotive", "Agrifood", "Textile", "Maritime", "Health", "ICT", "Energy",
    "Aerospace", "Wood", "Plastics", "Tourism", "Logistics", "Creative Industries",
)  # fmt: skip
_CITIES: dict[str, tuple[str, ...]] = {
    "AT": ("Wien", "Graz", "Linz", "Innsbruck"),
    "BE": ("Brussel", "Leuven", "Gent", "Liège"),
    "BG": ("Sofia", "Plovdiv", "Varna"),
    "CH": ("Zürich", "Lausanne", "Basel", "Bern"),
    "CY": ("Nicosia", "Limassol"),
    "CZ": ("Praha", "Brno", "Ostrava"),
    "DE": ("Berlin", "München", "Hamburg", "Stuttgart", "Dresden", "Aachen", "Köln"),
    "DK": ("København", "Aarhus", "Odense"),
    "EE": ("Tallinn", "Tartu"),
    "ES": ("Madrid", "Barcelona", "Bilbao", "Valencia", "Sevilla", "Zaragoza"),
    "FI": ("Helsinki", "Espoo", "Tampere", "Oulu"),
    "FR": ("Paris", "Lyon", "Grenoble", "Toulouse", "Marseille", "Lille"),
    "GB": ("London", "Cambridge", "Oxford", "Manchester", "Edinburgh", "Belfast"),
    "GR": ("Athens", "Thessaloniki", "Patras", "Heraklion"),
    "HR": ("Zagreb", "Split", "Rijeka"),
    "HU": ("Budapest", "Debrecen", "Szeged"),
    "IE": ("Dublin", "Cork", "Galway"),
    "IS": ("Reykjavík", "Akureyri"),
    "IT": ("Roma", "Milano", "Torino", "Bologna", "Napoli", "Padova"),
    "LI": ("Vaduz", "Schaan"),
    "LT": ("Vilnius", "Kaunas"),
    "LU": ("Luxembourg", "Esch-sur-Alzette"),
    "LV": ("Rīga", "Jelgava"),
    "MT": ("Valletta", "Msida"),
    "NL": ("Amsterdam", "Delft", "Eindhoven", "Utrecht", "Rotterdam"),
    "NO": ("Oslo", "Trondheim", "Bergen"),
    "PL": ("Warszawa", "Kraków", "Wrocław", "Lublin", "Gdańsk"),
    "PT": ("Lisboa", "Porto", "Coimbra"),
    "RO": ("București", "Cluj-Napoca", "Iași"),
    "SE": ("Stockholm", "Göteborg", "Lund", "Uppsala"),
    "SI": ("Ljubljana", "Maribor"),
    "SK": ("Bratislava", "Košice"),
}
_LEGAL_FORMS: dict[str, str] = {
    "AT": "GmbH", "BE": "BV", "BG": "EOOD", "CH": "AG", "CY": "Ltd", "CZ": "s.r.o.",
    "DE": "GmbH", "DK": "ApS", "EE": "OÜ", "ES": "SL", "FI": "Oy", "FR": "SAS", "GB": "Ltd",
    "GR": "IKE", "HR": "d.o.o.", "HU": "Kft.", "IE": "Ltd", "IS": "ehf.", "IT": "Srl",
    "LI": "AG", "LT": "UAB", "LU": "SARL", "LV": "SIA", "MT": "Ltd", "NL": "BV", "NO": "AS",
    "PL": "sp. z o.o.", "PT": "Lda", "RO": "SRL", "SE": "AB", "SI": "d.o.o.", "SK": "s.r.o.",
}  # fmt: skip


class SynthError(ProjectGraphError):
    """The synthetic data set cannot be made with these arguments."""


@dataclass
class SynthReport:
    """What :func:`synthesize` made."""

    projects: int
    participations: int  # partners over all projects
    organisations: int  # distinct organisations in the records (not the pool's size)
    files_written: int  # new or changed files (unchanged ones are not rewritten)
    seconds: float


@dataclass(frozen=True, slots=True)
class _PoolOrganisation:
    """One organisation of the shared pool: indices into the context's concept lists."""

    slug: str
    name: str
    identifier: str
    country: int
    region: int  # -1: none
    cluster: bool | None


@dataclass(frozen=True, slots=True)
class _ProjectPlan:
    """Everything about project k that its record needs, decided in the parent."""

    acronym: str
    title: str
    programme: int
    start: dt.date
    months: int
    total_cents: int
    contribution_cents: int
    topics: tuple[int, ...]
    partners: tuple[tuple[int, int], ...]  # (pool index, role index), the coordinator first


@dataclass(frozen=True)
class _Context:
    """What rendering needs besides the plans; sent once to each worker."""

    out: Path
    base_iri: str
    header: str  # with {acronym} to fill in
    source: SourceInput
    programmes: tuple[Concept, ...]
    roles: tuple[tuple[Concept, str], ...]  # role concept, function as written
    topics: tuple[Concept, ...]
    countries: tuple[Concept, ...]
    regions: tuple[Concept, ...]
    pool: tuple[_PoolOrganisation, ...]


def synthesize(
    out: Path,
    projects: int,
    seed: int,
    settings: Settings,
    *,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> SynthReport:
    """Write ``projects`` synthetic project records to ``out/{slug}.ttl``.

    The plan (which organisation takes part where, with which role, and every value) is made
    from ``seed`` in this process; ``workers`` processes (forked where the platform can,
    else spawned; with 1 worker, or a single chunk of :data:`CHUNK` records, none: all in
    this process) render and write the records. ``progress`` is called in this process with
    the number of records just done (written or found unchanged), as chunks of them finish.
    Raises :class:`SynthError` for unusable arguments, reference tables or output folder.
    """
    started = time.perf_counter()
    if isinstance(projects, bool) or not isinstance(projects, int) or projects < 1:
        raise SynthError(f"the number of projects must be a whole number >= 1, not {projects!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SynthError(f"the seed must be a whole number >= 0, not {seed!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SynthError(f"the number of workers must be a whole number >= 1, not {workers!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SynthError(f"{out} is a file, not a folder: the records go into a folder")
    reference = Reference(settings)
    context, plans = _plan(reference, settings.base_iri, out, projects, seed)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SynthError(f"cannot make the folder {out}: {e}") from e
    chunks = [plans[i : i + CHUNK] for i in range(0, len(plans), CHUNK)]
    try:
        written = _write_all(context, chunks, workers, progress)
    except OSError as e:
        raise SynthError(f"cannot write the records into {out}: {e}") from e
    used = {org for plan in plans for org, _ in plan.partners}
    return SynthReport(
        projects=projects,
        participations=sum(len(plan.partners) for plan in plans),
        organisations=len(used),
        files_written=written,
        seconds=time.perf_counter() - started,
    )


# --- The plan ---------------------------------------------------------------------------------


def _plan(
    reference: Reference, base_iri: str, out: Path, projects: int, seed: int
) -> tuple[_Context, list[_ProjectPlan]]:
    """The context and the plan of every project, from one random generator."""
    rng = random.Random(seed)
    places = _places(reference)
    programmes = tuple(sorted(reference.programmes.concepts.values(), key=lambda c: c.iri))
    if not programmes:
        raise SynthError(f"the reference data ({reference.base}) has no programmes")
    topics = tuple(sorted(reference.topics.concepts.values(), key=lambda c: c.iri))
    roles, choices = _roles(reference)
    pool = _pool(rng, max(MIN_POOL, round(POOL_PER_PROJECT * projects)), seed, places)
    cumulative = list(itertools.accumulate((r + 1) ** -ZIPF_EXPONENT for r in range(len(pool))))
    ranks = range(len(pool))
    slugs = [_programme_slug(p) for p in programmes]
    single_weights = _weights(slugs, SINGLE_PROGRAMME_WEIGHTS, horizon_only=True)
    consortium_weights = _weights(slugs, CONSORTIUM_PROGRAMME_WEIGHTS, horizon_only=False)
    topic_counts, topic_count_weights = _items(TOPIC_COUNT_WEIGHTS)
    durations = {kind: _items(table) for kind, table in DURATION_WEIGHTS.items()}
    rates, rate_weights = _items(HORIZON_RATES)
    plans: list[_ProjectPlan] = []
    for k in range(projects):
        single = rng.random() < SINGLE_SHARE
        if single:
            size = 1
        else:
            extra = round(rng.lognormvariate(CONSORTIUM_LOG_MU, CONSORTIUM_LOG_SIGMA))
            size = min(MAX_PARTNERS, CONSORTIUM_MIN + extra)
        size = min(size, len(pool))
        weights = single_weights if single else consortium_weights
        programme = rng.choices(range(len(programmes)), weights=weights)[0]
        slug = slugs[programme]
        family = _family(slug)
        members = _draw_members(rng, ranks, cumulative, size)
        choice = choices[family]
        partners = [(members[0], choice.coordinator)]
        for member in members[1:]:
            partners.append((member, rng.choices(choice.others, weights=choice.weights)[0]))
        kind = "single" if single else family
        first, last = START_YEARS.get(slug, DEFAULT_START_YEARS)
        start = dt.date(rng.randint(first, last), rng.randint(1, 12), 1)
        months = rng.choices(durations[kind][0], weights=durations[kind][1])[0]
        median = COST_MEDIANS[kind] * (size if kind == "horizon" else 1)
        cost = rng.lognormvariate(math.log(median), COST_SIGMAS[kind])
        total_cents = round(min(MAX_COST, max(MIN_COST, cost)) * 100)
        if family == "interreg":
            rate = INTERREG_RATE
        elif single:
            rate = 100
        else:
            rate = rng.choices(rates, weights=rate_weights)[0]
        count = rng.choices(topic_counts, weights=topic_count_weights)[0]
        chosen = sorted(rng.sample(range(len(topics)), min(count, len(topics))))
        plans.append(
            _ProjectPlan(
                acronym=_acronym(rng, k),
                title=_title(rng),
                programme=programme,
                start=start,
                months=months,
                total_cents=total_cents,
                contribution_cents=total_cents * rate // 100,
                topics=tuple(chosen),
                partners=tuple(partners),
            )
        )
    command = f"projectgraph synth --projects {projects} --seed {seed}"
    parameters = {
        "format": FORMAT,
        "generator": __name__,
        "projects": projects,
        "seed": seed,
    }
    source = SourceInput(
        files=(command,),
        media_type="application/json",
        title=f"Synthetic EU projects (not real data), made by `{command}`",
        sha256=sha256(json.dumps(parameters, sort_keys=True).encode("utf-8")),
    )
    header = (
        f"{{acronym}}: synthetic record made by `{command}` (projectgraph {__version__}).\n"
        "Not a real project: generated test data. Running the command again rewrites this file."
    )
    context = _Context(
        out=out,
        base_iri=base_iri,
        header=header,
        source=source,
        programmes=programmes,
        roles=roles,
        topics=topics,
        countries=places.countries,
        regions=places.regions,
        pool=pool,
    )
    return context, plans


@dataclass(frozen=True)
class _Places:
    """The countries organisations are drawn from, with their weights and ISO codes, and the
    reference regions (with the indices of each country's)."""

    countries: tuple[Concept, ...]
    weights: list[float]
    codes: list[str]  # ISO 3166-1 alpha-2, as the keys of COUNTRY_WEIGHTS
    regions: tuple[Concept, ...]
    regions_of: list[list[int]]


def _places(reference: Reference) -> _Places:
    """The weighted countries the reference table has, and the reference regions."""
    countries: list[Concept] = []
    weights: list[float] = []
    codes: list[str] = []
    for iso2, weight in COUNTRY_WEIGHTS.items():
        concept = reference.country(iso2)
        if concept is not None and concept not in countries:
            countries.append(concept)
            weights.append(weight)
            codes.append(iso2)
    if not countries:
        raise SynthError(
            "the reference countries table has none of the countries synthetic organisations "
            f"are drawn from ({', '.join(COUNTRY_WEIGHTS)})"
        )
    regions = tuple(sorted(reference.regions.concepts.values(), key=lambda c: c.iri))
    regions_of = [[j for j, r in enumerate(regions) if r.country == c.iri] for c in countries]
    return _Places(tuple(countries), weights, codes, regions, regions_of)


@dataclass(frozen=True)
class _RoleChoice:
    """The roles of one programme family, as indices into the context's roles."""

    coordinator: int
    others: list[int]  # the usual role first
    weights: list[float]


def _roles(
    reference: Reference,
) -> tuple[tuple[tuple[Concept, str], ...], dict[str, _RoleChoice]]:
    """The roles used (concept and function as written) and, per programme family, the
    coordinator's and the choices for the other partners."""
    roles: list[tuple[Concept, str]] = []
    choices: dict[str, _RoleChoice] = {}

    def slot(notation: str, family: str) -> int | None:
        concept = reference.roles.find(notation)
        if concept is None:
            return None
        entry = (concept, ROLE_FUNCTIONS[family][notation])
        if entry not in roles:
            roles.append(entry)
        return roles.index(entry)

    for family, main, fallback in (
        ("horizon", "participant", "partner"),
        ("interreg", "partner", "participant"),
    ):
        coordinator = slot("coordinator", family)
        if coordinator is None:
            raise SynthError("the reference roles table has no coordinator role")
        usual = slot(main, family)
        usual = usual if usual is not None else slot(fallback, family)
        if usual is None:
            raise SynthError("the reference roles table has neither a partner nor a participant")
        others, weights = [usual], [1.0]
        for notation, share in ROLE_SHARES[family].items():
            index = slot(notation, family)
            if index is not None:
                others.append(index)
                weights.append(share)
                weights[0] -= share
        choices[family] = _RoleChoice(coordinator, others, weights)
    return tuple(roles), choices


def _pool(
    rng: random.Random,
    size: int,
    seed: int,
    places: _Places,
) -> tuple[_PoolOrganisation, ...]:
    """The shared organisations, most popular first, each with fixed fields."""
    cluster_values, cluster_weights = _items(CLUSTER_SHARES)
    head_kinds, head_weights = _items(HEAD_KINDS)
    tail_kinds, tail_weights = _items(TAIL_KINDS)
    head = max(1, round(HEAD_SHARE * size))
    countries = range(len(places.countries))
    names: set[str] = set()
    pool: list[_PoolOrganisation] = []
    for i in range(size):
        country = rng.choices(countries, weights=places.weights)[0]
        region = -1
        if places.regions_of[country] and rng.random() < REGION_SHARE:
            region = rng.choice(places.regions_of[country])
        cluster = rng.choices(cluster_values, weights=cluster_weights)[0]
        if i < head:  # the most popular are universities, institutes, ..., not clusters
            cluster = False if cluster else cluster
            kind = rng.choices(head_kinds, weights=head_weights)[0]
        elif cluster:
            kind = "cluster"
        else:
            kind = rng.choices(tail_kinds, weights=tail_weights)[0]
        name = _organisation_name(rng, kind, places.codes[country], names)
        names.add(name)
        identifier = f"{seed}-{i + 1:06d}"
        pool.append(
            _PoolOrganisation(
                slug=organisation_slug(name, identifier, "synth"),
                name=name,
                identifier=f"SYNTH-{identifier}",
                country=country,
                region=region,
                cluster=cluster,
            )
        )
    return tuple(pool)


def _draw_members(
    rng: random.Random, ranks: range, cumulative: list[float], size: int
) -> list[int]:
    """``size`` distinct pool indices, Zipf-weighted, in the order drawn."""
    members: list[int] = []
    seen: set[int] = set()
    for _ in range(20):
        for index in rng.choices(ranks, cum_weights=cumulative, k=size - len(members)):
            if index not in seen:
                seen.add(index)
                members.append(index)
        if len(members) == size:
            return members
    # A consortium nearly as large as a tiny pool: the rest in rank order.
    members += [r for r in ranks if r not in seen][: size - len(members)]
    return members


def _programme_slug(programme: Concept) -> str:
    return programme.iri.rstrip("/").rsplit("/", 1)[-1]


def _family(programme_slug: str) -> str:
    """Which rules a programme follows: Interreg's or (any other) Horizon's."""
    return "interreg" if "interreg" in programme_slug else "horizon"


def _weights(slugs: list[str], table: dict[str, float], *, horizon_only: bool) -> list[float]:
    """Weights of the reference programmes (in the order of ``slugs``) from ``table``: a
    programme neither weight table names gets the smallest weight of ``table``; with
    ``horizon_only``, Interreg programmes get none."""
    named = set(CONSORTIUM_PROGRAMME_WEIGHTS) | set(SINGLE_PROGRAMME_WEIGHTS)
    default = min(table.values())
    weights = []
    for slug in slugs:
        if horizon_only and _family(slug) == "interreg":
            weights.append(0.0)
        elif slug in table:
            weights.append(table[slug])
        else:
            weights.append(0.0 if slug in named else default)
    if not any(weights):  # e.g. a table of Interreg programmes only: single grants there too
        weights = [1.0] * len(slugs)
    return weights


def _items(table: dict) -> tuple[list, list[float]]:
    """Keys and weights of a weight table, in its (fixed) order."""
    return list(table), [float(w) for w in table.values()]


def _stem(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


def _acronym(rng: random.Random, k: int) -> str:
    """Invented syllables and the project's number (1-based): unique, and so is the slug."""
    return f"{_stem(rng, rng.randint(2, 3)).upper()}{k + 1}"


def _title(rng: random.Random) -> str:
    return f"{rng.choice(_ADJECTIVES)} {rng.choice(_SUBJECTS)} for {rng.choice(_PURPOSES)}"


def _organisation_name(rng: random.Random, kind: str, iso2: str, taken: set[str]) -> str:
    """A name of the kind, in the country, not yet in ``taken``."""
    cities = _CITIES.get(iso2, ("Centre",))
    for attempt in range(12):
        city = rng.choice(cities)
        stem = _stem(rng, 2 + attempt // 4).capitalize()
        plain = attempt == 0
        if kind == "university":
            name = (
                rng.choice(
                    (
                        f"University of {city}",
                        f"{city} University of Technology",
                        f"University of Applied Sciences {city}",
                    )
                )
                if plain
                else f"{stem} University {city}"
            )
        elif kind == "research":
            field = rng.choice(_FIELDS)
            name = f"Institute for {field} {city}" if plain else f"{stem} Institute for {field}"
        elif kind == "public":
            name = (
                rng.choice((f"City of {city}", f"{city} Regional Development Agency"))
                if plain
                else f"{stem} Regional Agency {city}"
            )
        elif kind == "cluster":
            sector = rng.choice(_CLUSTER_SECTORS)
            name = f"{sector} Cluster {city}" if plain else f"{stem} {sector} Cluster"
        elif kind == "other":
            field = rng.choice(_FIELDS)
            name = f"{stem} Foundation for {field}" if plain else f"{stem} {field} Association"
        else:
            name = f"{stem} {rng.choice(_SECTORS)} {_LEGAL_FORMS.get(iso2, 'Ltd')}"
        if name not in taken:
            return name
    return f"{name} {len(taken) + 1}"


# --- Rendering and writing ---------------------------------------------------------------------


class _Renderer:
    """Turns plans into records and writes them; keeps the pool's organisations made once."""

    def __init__(self, context: _Context) -> None:
        self.context = context
        self.organisations: dict[int, Organisation] = {}

    def organisation(self, index: int) -> Organisation:
        found = self.organisations.get(index)
        if found is None:
            o = self.context.pool[index]
            found = Organisation(
                slug=o.slug,
                name=o.name,
                country=self.context.countries[o.country],
                region=self.context.regions[o.region] if o.region >= 0 else None,
                cluster=o.cluster,
                identifier=o.identifier,
            )
            self.organisations[index] = found
        return found

    def record(self, plan: _ProjectPlan) -> ProjectRecord:
        c = self.context
        partners = []
        for index, role in plan.partners:
            concept, function = c.roles[role]
            partners.append(Partner(self.organisation(index), concept, function))
        countries = len({self.organisation(i).country for i, _ in plan.partners})
        lead = self.organisation(plan.partners[0][0]).name
        subject = plan.title.split(" for ", 1)[0].lower()
        if len(partners) == 1:
            abstract = f"{plan.acronym} is a single-beneficiary grant to {lead} for {subject}."
        else:
            abstract = (
                f"{plan.acronym} brings together {len(partners)} organisations from "
                f"{countries} {'country' if countries == 1 else 'countries'}, led by {lead}, "
                f"to develop {subject}."
            )
        total = Decimal(plan.total_cents).scaleb(-2)
        contribution = Decimal(plan.contribution_cents).scaleb(-2)
        return ProjectRecord(
            acronym=plan.acronym,
            title=plan.title,
            programme=c.programmes[plan.programme],
            start=plan.start,
            end=_add_months(plan.start, plan.months) - dt.timedelta(days=1),
            total_cost=total,
            eu_contribution=contribution,
            texts={str(EURIO.abstract): abstract},
            topics=[c.topics[t] for t in plan.topics],
            partners=partners,
            source=c.source,
        )

    def write(self, plans: Sequence[_ProjectPlan]) -> int:
        """Write the records of ``plans``; the number of files written (not unchanged)."""
        written = 0
        for plan in plans:
            record = self.record(plan)
            header = self.context.header.replace("{acronym}", plan.acronym)
            data = record_turtle(record, self.context.base_iri, header)
            path = self.context.out / f"{record.slug}.ttl"
            try:
                if path.read_bytes() == data:
                    continue
            except FileNotFoundError:
                pass
            _write_file(path, data)
            written += 1
        return written


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename,
    so a reader never sees half a record. Unlike the importers' writes it does not fsync each
    file (that was 40 % of the time, 1-2 ms a file): synthetic records can be made again, and
    a run after a crash rewrites every file whose bytes are not the planned ones."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first-of-month ``day`` moved by ``months``."""
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, day.day)


def _write_all(
    context: _Context,
    chunks: list[list[_ProjectPlan]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Write every chunk, here or in ``workers`` processes; the number of files written.

    Workers are forked where the platform can (they start at once, with the context already
    in memory, and need no ``if __name__ == "__main__"`` guard in the caller's main module);
    they only render and write files, never print or take the parent's locks, so forking a
    parent whose progress display runs a thread is safe. Elsewhere they are spawned.
    """
    written = 0
    if workers == 1 or len(chunks) == 1:
        renderer = _Renderer(context)
        for chunk in chunks:
            written += renderer.write(chunk)
            if progress:
                progress(len(chunk))
        return written
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    processes = multiprocessing.get_context(method)
    with processes.Pool(min(workers, len(chunks)), _init_worker, (context,)) as pool:
        for done, count in pool.imap_unordered(_write_chunk, chunks):
            written += done
            if progress:
                progress(count)
    return written


_WORKER: _Renderer | None = None


def _init_worker(context: _Context) -> None:
    """Make the renderer of a worker process (once: the pool is large)."""
    global _WORKER
    _WORKER = _Renderer(context)


def _write_chunk(plans: list[_ProjectPlan]) -> tuple[int, int]:
    """In a worker: write ``plans``; (files written, records done)."""
    assert _WORKER is not None, "the worker was not initialised"
    return _WORKER.write(plans), len(plans)
