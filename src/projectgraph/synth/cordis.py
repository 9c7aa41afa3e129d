"""A synthetic CORDIS open-data export: ``project.csv`` and ``organization.csv`` in the exact
layout of the Horizon 2020 / Horizon Europe "projects" bulk download of data.europa.eu, with the
real files' quirks, for importer tests (a committed sample) and benchmarks (35,000 projects).

    write_export(Path("/tmp/cordis35k"), projects=35_000, seed=1)
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

The distributions, and the shares they give, are in :mod:`projectgraph.synth.distributions`
(shared with the synthetic records of ``projectgraph synth``); countries and cities are in
:mod:`projectgraph.synth.cordis_places`, names in :mod:`projectgraph.synth.cordis_names`,
titles, objectives and acronyms in :mod:`projectgraph.synth.cordis_text`, and the organisation
universe in :mod:`projectgraph.synth.cordis_organisations`.

It streams: each project's rows are made, written and dropped before the next project, and
organisations are recomputed from their rank rather than kept (except the fields of the 1,024
most frequent, a fixed cost), so memory does not grow with the number of projects: the only
per-size structure is a bitset of the organisations seen, a bit per organisation of the
universe (9 kB at 35,000 projects). Project ids, acronyms and RCNs come from keyed
permutations, so they are unique without remembering the ones given. The same arguments always
give byte-identical files: one ``random.Random`` for the projects and one per organisation,
no clock, no set or dict iteration order.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from projectgraph.synth.cordis_organisations import Organisations
from projectgraph.synth.cordis_text import ACRONYM_SPACE, acronym_of, objective, title
from projectgraph.synth.distributions import (
    CORDIS_START_YEARS,
    H2020_SCHEMES,
    HORIZON_SCHEMES,
    ROWS_PER_PROJECT,
    UNIVERSE_PER_ROW,
    Scheme,
)
from projectgraph.synth.draws import add_months, between, permute, pick

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

PROGRAMMES = ("H2020", "HORIZON")
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


# --- Calls, formatting ----------------------------------------------------------------------

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


def _amount(cents: int) -> str:
    """Euros as the export writes them: a decimal comma, no trailing zero, no thousands
    separator (``2154187,5``, ``1507931,25``, ``2497500``)."""
    euros, rest = divmod(cents, 100)
    if rest == 0:
        return str(euros)
    return f"{euros},{rest:02d}".rstrip("0")


def _timestamp(rng: random.Random, first: dt.date, last: dt.date) -> str:
    """A time between 06:00 and 20:59 of a day in ``[first, last)``, as
    ``2022-08-04 09:12:44``."""
    span = max(1, (last - first).days)
    days, seconds = divmod(rng.randrange(span * 15 * 3600), 15 * 3600)
    moment = dt.datetime(first.year, first.month, first.day, 6)
    return (moment + dt.timedelta(days=days, seconds=seconds)).isoformat(" ")


# --- Projects -------------------------------------------------------------------------------


def _lognormal_cents(rng: random.Random, median_eur: int, sigma: float) -> int:
    euros = rng.lognormvariate(0.0, sigma) * median_eur
    cents = int(euros * 100)
    return cents - cents % 100 if rng.random() < 0.45 else cents  # many whole amounts


def _calls(
    rng: random.Random, scheme: Scheme, programme: str, start: dt.date
) -> tuple[str, str, str, str]:
    """legalBasis, topics, masterCall, subCall."""
    year = max(CORDIS_START_YEARS[programme][0], start.year - pick(rng, (0, 1, 1)))
    name = scheme.name
    if programme == "HORIZON":
        if name == "ERC":
            kind = pick(rng, ("STG", "COG", "ADG", "SyG", "POC"))
            return "HORIZON.1.1", f"ERC-{year}-{kind}", f"ERC-{year}-{kind}", f"ERC-{year}-{kind}"
        if "MSCA" in name:
            action = {"DN": "DN", "SE": "SE"}.get(name.rsplit("-", 1)[-1], "PF")
            call = f"HORIZON-MSCA-{year}-{action}-01"
            return "HORIZON.1.2", f"{call}-01", call, call
        if "EIC" in name:
            instrument = pick(rng, ("ACCELERATOR", "PATHFINDEROPEN", "TRANSITION"))
            call = f"HORIZON-EIC-{year}-{instrument}-01"
            return "HORIZON.3.1", call, call, call
        legal, stem, _ = pick(rng, _HORIZON_AREAS)
        call = f"HORIZON-{stem}-{year}-D{between(rng, 1, 6)}-0{between(rng, 1, 2)}"
        return legal, f"{call}-{between(rng, 1, 12):02d}", call, call
    if name.startswith("ERC"):
        kind = name.split("-", 1)[1]
        return "H2020-EU.1.1.", f"ERC-{year}-{kind}", f"ERC-{year}-{kind}", f"ERC-{year}-{kind}"
    if name.startswith("MSCA"):
        action = name.split("-")[1]
        bases = {"ITN": "H2020-EU.1.3.1.", "IF": "H2020-EU.1.3.2.", "RISE": "H2020-EU.1.3.3."}
        call = f"H2020-MSCA-{action}-{year}"
        return bases[action], f"MSCA-{action}-{year}", call, call
    if name.startswith("SME"):
        phase = name[-1]
        if year >= 2018:
            return (
                "H2020-EU.2.3.", "EIC-SMEInst-2018-2020", "H2020-EIC-SMEInst-2018-2020",
                f"H2020-SMEInst-2018-2020-{phase}",
            )  # fmt: skip
        return (
            "H2020-EU.2.3.1.", f"SMEInst-0{between(rng, 1, 9)}-2016-2017",
            f"H2020-SMEINST-{phase}-2016-2017", f"H2020-SMEINST-{phase}-{year}",
        )  # fmt: skip
    legal, stem, call = pick(rng, _H2020_AREAS)
    biennium = next(b for first, b in reversed(_BIENNIA) if year >= first)
    topic = f"{stem}-{between(rng, 1, 30):02d}-{year}"
    stage = pick(rng, ("", "-two-stage", "-single-stage", f"-{between(rng, 1, 3)}"))
    sub = f"H2020-{call}-{year}{stage}"
    return legal, topic, f"H2020-{call}-{biennium}", sub


def _consortium_size(rng: random.Random, scheme: Scheme) -> int:
    if scheme.kind == "single":
        return 1
    if scheme.kind == "small":
        return pick(rng, (1, 1, 2, 3))
    # Lognormal: median 6, mean ~7.2, a long tail up to 70 partners.
    return max(2, min(70, round(rng.lognormvariate(1.78, 0.62))))


def _role(rng: random.Random, scheme: Scheme, programme: str) -> str:
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
    scheme: Scheme,
    programme: str,
    orgs: Organisations,
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
            r.net = r.ec - r.ec * between(rng, 1, 5) // 100
    return rows


def _projects(
    rng: random.Random, seed: int, projects: int, programme: str, orgs: Organisations
) -> Iterator[tuple[list[str], list[list[str]]]]:
    """One project.csv row and its organization.csv rows at a time."""
    schemes = H2020_SCHEMES if programme == "H2020" else HORIZON_SCHEMES
    weights = [s.weight for s in schemes]
    export = _EXPORT_DATE[programme]
    first_year, last_year = CORDIS_START_YEARS[programme]
    rcn_space = max(2 * projects, 100_000)
    for i in range(projects):
        scheme = rng.choices(schemes, weights)[0]
        project_id = str(FIRST_ID + permute(i, ID_SPACE, seed))
        acronym_key = permute(i % ACRONYM_SPACE, ACRONYM_SPACE, seed + 1)
        acronym = acronym_of(acronym_key, rng)
        if i >= ACRONYM_SPACE:  # beyond the space: a numbered series, still unique
            acronym = f"{acronym}-{i // ACRONYM_SPACE + 1}"

        start = dt.date(between(rng, first_year, last_year), between(rng, 1, 12), 1)
        if rng.random() < 0.15:
            start = start.replace(day=between(rng, 2, 28))
        months = pick(rng, scheme.duration)
        end = add_months(start, months) - dt.timedelta(days=1)
        signed = start - dt.timedelta(days=between(rng, 5, 180))
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
            project_id, acronym, status, title(rng), start.isoformat(), end.isoformat(),
            _amount(total), _amount(ec_max), legal, topic, signed.isoformat(), programme,
            master, sub, scheme.name, "", objective(rng, acronym, len(rows)), updated,
            str(200_000 + permute(i, rcn_space, seed + 2)), f"10.3030/{project_id}",
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
    orgs = Organisations(seed, universe)
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
