"""``projectgraph import profile``: an EU Project Profile page (saved text or HTML) becomes a
project record.

What the page states is taken as it is; a few things are read from its prose by rules that
only use the reference data, and every such reading is marked in the record or reported:

- a partner's NUTS region, when exactly one region of ``data/reference/nuts.ttl`` is named
  in the organisation's name (and it lies in the organisation's country, if one is given);
- the key topics, as the topic labels of ``data/reference/topics.ttl`` found in the thematic box;
- the phases, from methodology paragraphs "Phase N - <name> <verb> ...";
- interregional learning seminars, from "... interregional learning seminars in A, B and C",
  each place matched to one NUTS region (an unmatched place is reported, not guessed);
- a role the text gives a partner ("... TCI Network ... as advisory partner"), besides the
  table's function;
- the newsletter ("subscribe to X Newsletter") and the Twitter account ("Twitter @name").
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from projectgraph.importers.problems import RecordRejected, Remark
from projectgraph.importers.profile_page import Located, ProfilePage, read_page
from projectgraph.importers.record import (
    Organisation,
    Partner,
    Phase,
    ProjectRecord,
    Seminar,
    SourceInput,
    organisation_slug,
    sha256,
)
from projectgraph.importers.reference import Concept, Reference, normalise
from projectgraph.importers.values import (
    ValueProblem,
    amount,
    date_range,
    flag,
    is_flag,
    is_url,
    url,
)
from projectgraph.rdf.vocab import PG

# Section -> property of the project.
_TEXTS = {
    "background": str(PG.background),
    "objective": str(PG.objective),
    "methodology": str(PG.methodology),
    "topics": str(PG.thematicBox),
}
_FIELDS = {
    "programme": ("programme",),
    "duration": ("project duration", "duration", "dates"),
    "budget": ("total budget", "budget", "total cost"),
    "eu": ("eu contribution", "eu funding", "erdf", "eu co-financing"),
}
_TITLE = re.compile(r"^(\S+)\s+[-\u2013\u2014:]\s+(.+)$")
_PHASE = re.compile(r"^Phase\s+(\d+)\s*[-\u2013\u2014:]\s*(.+)$", re.IGNORECASE)
_PHASE_VERB = re.compile(
    r"^(.+?)\s+(?:is|are|was|were|will|focuses|focus|consists|covers|aims|includes|starts|"
    r"runs|deals|leads|comprises|concentrates|builds)\b"
)
_SEMINARS = re.compile(r"(?i)\binterregional learning seminars?\s+in\s+(.+?)(?:\.(?:\s|$)|$)")
_LIST = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_NEWSLETTER = re.compile(r"\bsubscribe to (?:our |the )?(.+? Newsletter)\b")
_TWITTER = re.compile(r"\bTwitter:?\s+@(\w{1,15})\b")
_SEMINAR_CLASS = str(PG.InterregionalLearningSeminar)


def import_profile(
    path: Path, data: bytes, reference: Reference
) -> tuple[ProjectRecord, list[Remark]]:
    """The record of one saved profile page, and remarks on what was read by rule or missing.
    Raises RecordRejected (with the field or row at fault) if the page cannot make a record."""
    page = read_page(path, data)
    remarks: list[Remark] = []
    if page.title is None:
        raise RecordRejected(page.place(None, "title"), "the page has no title")
    m = _TITLE.match(page.title.text)
    if not m:
        raise RecordRejected(
            page.place(page.title.line, "title"),
            f"cannot tell the acronym in {page.title.text!r} (expected 'ACRONYM - Title')",
        )
    acronym, title = m.group(1), m.group(2)
    record = ProjectRecord(
        acronym=acronym,
        title=title,
        label=page.title.text,
        programme=_programme(page, reference),
    )
    duration = _field(page, "duration")
    try:
        record.start, record.end = date_range(duration.text)
    except ValueProblem as e:
        raise RecordRejected(page.place(duration.line, "Project duration"), str(e)) from e
    record.total_cost, record.total_cost_text = _money(page, "budget", "Total budget")
    record.eu_contribution, record.eu_contribution_text = _money(page, "eu", "EU Contribution")
    if record.eu_contribution > record.total_cost:
        where = _field(page, "eu")
        raise RecordRejected(
            page.place(where.line, "EU Contribution"),
            f"the EU contribution {record.eu_contribution_text} is more than the total budget "
            f"{record.total_cost_text}",
        )
    for key, prop in _TEXTS.items():
        section = page.sections.get(key)
        if section and section.paragraphs:
            record.texts[prop] = "\n\n".join(p.text for p in section.paragraphs)
        else:
            remarks.append(Remark(page.place(None, key), f"the page has no {key} section"))
    if page.images:
        record.image = url(page.images[0].text)
    record.partners = _partners(page, reference, remarks, record.start)
    _read_prose(page, record, reference, remarks)
    record.source = SourceInput(
        files=(path.name,),
        media_type=page.media_type,
        title=f"EU Project Profile page of {acronym}",
        sha256=sha256(data),
    )
    return record, remarks


def _field(page: ProfilePage, key: str) -> Located:
    names = _FIELDS[key]
    for label, value in page.fields.items():
        if label.lower() in names:
            return value
    raise RecordRejected(
        page.place(None, names[0].capitalize()),
        f"the page has no '{names[0].capitalize()}' field in its general information",
    )


def _programme(page: ProfilePage, reference: Reference) -> Concept:
    value = _field(page, "programme")
    found = reference.programmes.find(value.text)
    if found is None:
        known = ", ".join(sorted(c.label for c in reference.programmes.concepts.values()))
        raise RecordRejected(
            page.place(value.line, "Programme"),
            f"{value.text!r} is not a programme of the reference data (known: {known}); "
            "add it to data/reference/programmes.ttl",
        )
    return found


def _money(page: ProfilePage, key: str, label: str) -> tuple:
    value = _field(page, key)
    try:
        return amount(value.text), value.text
    except ValueProblem as e:
        raise RecordRejected(page.place(value.line, label), str(e)) from e


def _partners(
    page: ProfilePage, reference: Reference, remarks: list[Remark], when: date | None
) -> list[Partner]:
    if page.table_line is None:
        raise RecordRejected(
            page.place(None, "Partnership Composition"), "the page has no partnership table"
        )
    if not page.rows:
        raise RecordRejected(
            page.place(page.table_line, "Partnership Composition"), "the partnership table is empty"
        )
    partners: list[Partner] = []
    organisations: dict[str, Organisation] = {}
    for number, row in enumerate(page.rows, start=1):
        partners.append(_partner(page, number, row, reference, organisations, remarks, when))
    return partners


def _partner(
    page: ProfilePage,
    number: int,
    row: list[Located],
    reference: Reference,
    organisations: dict[str, Organisation],
    remarks: list[Remark],
    when: date | None,
) -> Partner:
    """One row: the name comes first; the other cells are told apart by what they hold (a
    yes/no flag, a web address, a country, else the function), so a missing cell or cells
    shifted by one column are still read right."""
    name = row[0]
    where = f"partnership row {number}"
    function: Located | None = None
    country: Concept | None = None
    cluster: bool | None = None
    website: str | None = None
    for cell in row[1:]:
        text = cell.text
        if is_flag(text) and cluster is None:
            cluster = flag(text)
        elif is_url(text) and website is None:
            website = url(text)
        elif country is None and reference.country(text) and not reference.roles.find(text):
            country = reference.country(text)
        elif function is None:
            function = cell
        elif reference.country(text) is None and country is None:
            raise RecordRejected(
                page.place(cell.line, f"{where}, Country"),
                f"{text!r} is not a country of data/reference/countries.ttl "
                "(English or native name, or ISO/EU code)",
            )
        else:
            raise RecordRejected(
                page.place(cell.line, where),
                f"cannot tell the cells apart: {[c.text for c in row]} (is a cell missing?)",
            )
    if function is None:
        raise RecordRejected(page.place(name.line, where), f"{name.text!r} has no function")
    role = reference.roles.find(function.text)
    if role is None:
        if reference.country(function.text):
            raise RecordRejected(
                page.place(function.line, f"{where}, Function"),
                f"{name.text!r} has a country but no function",
            )
        known = ", ".join(sorted(c.label for c in reference.roles.concepts.values()))
        raise RecordRejected(
            page.place(function.line, f"{where}, Function"),
            f"{function.text!r} is not a role of data/reference/roles.ttl (known: {known})",
        )
    if cluster is None:
        remarks.append(
            Remark(page.place(name.line, where), f"{name.text}: no 'Is Cluster Organisation' value")
        )
    slug = organisation_slug(name.text)
    organisation = organisations.get(slug)
    if organisation is None:
        organisation = Organisation(
            slug=slug, name=name.text, country=country, cluster=cluster, website=website
        )
        _region_from_name(organisation, page, name.line, reference, remarks, when)
        organisations[slug] = organisation
    return Partner(organisation=organisation, role=role, function=function.text)


def _region_from_name(
    o: Organisation,
    page: ProfilePage,
    line: int,
    reference: Reference,
    remarks: list[Remark],
    when: date | None,
) -> None:
    regions = [
        r
        for r in reference.regions_named_in(o.name, when)
        if o.country is None or r.country == o.country.iri
    ]
    if len(regions) == 1:
        o.region = regions[0]
        if o.country is None:
            o.notes.append("The page gives no country.")
        o.notes.append("The region is read from the organisation's name.")
    else:
        if o.country is None:
            o.notes.append("The page gives no country.")
        if len(regions) > 1:
            names = ", ".join(r.label for r in regions)
            remarks.append(
                Remark(
                    page.place(line, "Organisation name"),
                    f"{o.name}: names several regions ({names}); none is taken",
                )
            )
    if o.country is None:
        remarks.append(Remark(page.place(line, "Country"), f"{o.name}: no country"))


def _read_prose(
    page: ProfilePage, record: ProjectRecord, reference: Reference, remarks: list[Remark]
) -> None:
    texts = {key: s.paragraphs for key, s in page.sections.items()}
    topics_text = normalise(" ".join(p.text for p in texts.get("topics", [])))
    found = [c for name, c in reference.topics.names() if f" {name} " in f" {topics_text} "]
    record.topics = list({c.iri: c for c in found}.values())
    for paragraph in texts.get("methodology", []):
        m = _PHASE.match(paragraph.text)
        if m:
            rest = m.group(2)
            verb = _PHASE_VERB.match(rest)
            name = verb.group(1) if verb else rest.split(".")[0]
            record.phases.append(Phase(int(m.group(1)), name, rest))
    everything = [p for section in texts.values() for p in section]
    for paragraph in texts.get("topics", []):
        for m in _SEMINARS.finditer(paragraph.text):
            _seminars(m.group(0), m.group(1), paragraph, page, record, reference, remarks)
    for paragraph in everything:
        if record.newsletter is None and (m := _NEWSLETTER.search(paragraph.text)):
            record.newsletter = m.group(1)
        if record.twitter is None and (m := _TWITTER.search(paragraph.text)):
            record.twitter = m.group(1)
    _described_roles(page, record, reference)


def _seminars(
    phrase: str,
    places: str,
    paragraph: Located,
    page: ProfilePage,
    record: ProjectRecord,
    reference: Reference,
    remarks: list[Remark],
) -> None:
    phase = next((p.number for p in record.phases if normalise(p.name) in normalise(phrase)), None)
    for place in (p.strip() for p in _LIST.split(places) if p.strip()):
        regions = reference.regions_named_in(place, record.start)
        if len(regions) != 1:
            remarks.append(
                Remark(
                    page.place(paragraph.line, "Key Topics"),
                    f"seminar place {place!r} matches {len(regions) or 'no'} region(s) of "
                    "data/reference/nuts.ttl; no event recorded for it",
                )
            )
            continue
        record.events.append(
            Seminar(
                region=regions[0],
                place=place,
                name=f"{record.acronym} interregional learning seminar in {place}",
                kind=_SEMINAR_CLASS,
                phase=phase,
            )
        )


def _described_roles(page: ProfilePage, record: ProjectRecord, reference: Reference) -> None:
    """A role the prose gives a partner ("... TCI Network ... as advisory partner") when it
    differs from the table's function; the partner is named by its name, or the part before
    a dash ("TCI Network" of "TCI Network-The Competitiveness Institute")."""
    sentences = [
        (key, sentence)
        for key in ("background", "objective", "methodology")
        for p in (page.sections[key].paragraphs if key in page.sections else [])
        for sentence in re.split(r"(?<=[.!?])\s+", p.text)
    ]
    for partner in record.partners:
        name = partner.organisation.name
        mentions = {name, re.split(r"\s*[-\u2013]\s*", name)[0]}
        for role in reference.roles.concepts.values():
            if role.iri == partner.role.iri or not role.label:
                continue
            wanted = f" as {normalise(role.label)} "
            for key, sentence in sentences:
                said = f" {normalise(sentence)} "
                mention = next((m for m in sorted(mentions, key=len) if m in sentence), None)
                if mention and (
                    wanted in said
                    or wanted.replace(" as ", " as an ") in said
                    or wanted.replace(" as ", " as the ") in said
                ):
                    partner.described_role = role
                    partner.note = (
                        f"The partnership table gives the function '{partner.function}'; the "
                        f"project {key} calls {mention} the '{role.label.lower()}'."
                    )
                    break
