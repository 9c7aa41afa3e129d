"""Write the deliberately broken copies of data/projects/clusters3.ttl in this folder (the record
followed by its curated additions, data/curated/clusters3.ttl, so each copy is the whole project).

Each case changes one thing and states, in ``# expect:`` header lines, exactly the validation
results it must produce besides the record's documented warning (SPRI has no country):
``severity | path | constraint | focus node``. Run ``python tests/data/invalid/generate.py``
after editing the record; tests/test_shapes.py fails while the copies are out of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
RECORD = HERE.parents[2] / "data" / "projects" / "clusters3.ttl"
CURATED = HERE.parents[2] / "data" / "curated" / "clusters3.ttl"


def source_text() -> str:
    """The text the copies are made from: the record, then its curated additions (Turtle
    allows the second file's prefix lines)."""
    return RECORD.read_text(encoding="utf-8") + "\n" + CURATED.read_text(encoding="utf-8")


TECNALIA = "organisation:tecnalia-research-innovation-foundation"
LUBELSKIE_P = "participation:clusters3-lubelskie-voivodeship"
TECNALIA_P = "participation:clusters3-tecnalia-research-innovation-foundation"


@dataclass(frozen=True)
class Case:
    name: str
    change: str
    find: str
    replace: str
    expect: tuple[str, ...]


CASES = (
    Case(
        "missing-title",
        "the project's eurio:title is removed",
        '    eurio:title "Leveraging Cluster Policies for successful implementation of RIS3" ;\n',
        "",
        ("Violation | eurio:title | MinCountConstraintComponent | project:clusters3",),
    ),
    Case(
        "missing-acronym",
        "the project's eurio:hasAcronym is removed",
        "    eurio:hasAcronym <id/project/clusters3#acronym> ;\n",
        "",
        (
            "Violation | eurio:hasAcronym/eurio:shortForm | MinCountConstraintComponent | project:clusters3",
        ),
    ),
    Case(
        "missing-programme",
        "the project's programme is removed",
        "    eurio:hasFundingSchemeProgramme programme:interreg-europe ;\n    eurio:hasFundingAmount",
        "    eurio:hasFundingAmount",
        (
            "Violation | eurio:isFundedBy/eurio:hasFundingSchemeProgramme | MinCountConstraintComponent | project:clusters3",
            "Violation | eurio:hasFundingSchemeProgramme | MinCountConstraintComponent | project:clusters3#grant",
        ),
    ),
    Case(
        "title-with-language",
        "the project's title carries a language tag (EURIO's titles are plain strings)",
        '    eurio:title "Leveraging Cluster Policies for successful implementation of RIS3" ;',
        '    eurio:title "Leveraging Cluster Policies for successful implementation of RIS3"@en ;',
        ("Violation | eurio:title | DatatypeConstraintComponent | project:clusters3",),
    ),
    Case(
        "unknown-programme",
        "the project names a programme the reference data does not describe",
        "    eurio:hasFundingSchemeProgramme programme:interreg-europe ;\n    eurio:hasFundingAmount",
        "    eurio:hasFundingSchemeProgramme programme:interreg-mars ;\n    eurio:hasFundingAmount",
        (
            "Violation | eurio:isFundedBy/eurio:hasFundingSchemeProgramme | ClassConstraintComponent | project:clusters3",
            "Violation | eurio:hasFundingSchemeProgramme | ClassConstraintComponent | project:clusters3#grant",
        ),
    ),
    Case(
        "end-before-start",
        "the end date is before the start date",
        '"2020-03-31"^^xsd:date',
        '"2015-03-31"^^xsd:date',
        ("Violation | eurio:startDate | LessThanConstraintComponent | project:clusters3",),
    ),
    Case(
        "start-not-a-date",
        "the start date is the page's text, not an xsd:date (so it cannot be ordered either)",
        '"2016-04-01"^^xsd:date',
        '"Friday, 1 April, 2016"',
        (
            "Violation | eurio:startDate | DatatypeConstraintComponent | project:clusters3",
            "Violation | eurio:startDate | LessThanConstraintComponent | project:clusters3",
        ),
    ),
    Case(
        "two-end-dates",
        "the project has two end dates",
        '    eurio:endDate "2020-03-31"^^xsd:date ;\n',
        '    eurio:endDate "2020-03-31"^^xsd:date, "2020-06-30"^^xsd:date ;\n',
        ("Violation | eurio:endDate | MaxCountConstraintComponent | project:clusters3",),
    ),
    Case(
        "duration-not-integer",
        "the duration is a decimal",
        '    eurio:duration "48"^^xsd:nonNegativeInteger ;',
        "    eurio:duration 48.5 ;",
        ("Violation | eurio:duration | DatatypeConstraintComponent | project:clusters3",),
    ),
    Case(
        "budget-with-separators",
        "the total budget is the page's string with thousands separators (not a number, so not >= 0 either)",
        "    eurio:value 1832645.00 ;",
        '    eurio:value "1.832.645" ;',
        (
            "Violation | eurio:value | DatatypeConstraintComponent | project:clusters3#total-cost",
            "Violation | eurio:value | MinInclusiveConstraintComponent | project:clusters3#total-cost",
        ),
    ),
    Case(
        "negative-eu-contribution",
        "the EU contribution is negative",
        "    eurio:value 1544244.00 ;",
        "    eurio:value -1544244.00 ;",
        (
            "Violation | eurio:value | MinInclusiveConstraintComponent | project:clusters3#eu-contribution",
        ),
    ),
    Case(
        "wrong-currency",
        "the total budget is in US dollars",
        '    rdfs:label "€1.832.645" ;\n    eurio:value 1832645.00 ;\n    eurio:currency "EUR" .',
        '    rdfs:label "€1.832.645" ;\n    eurio:value 1832645.00 ;\n    eurio:currency "USD" .',
        ("Violation | eurio:currency | InConstraintComponent | project:clusters3#total-cost",),
    ),
    Case(
        "eu-contribution-over-budget",
        "the EU contribution is more than the total budget",
        "    eurio:value 1544244.00 ;",
        "    eurio:value 1944244.00 ;",
        ("Violation | - | SPARQLConstraintComponent | project:clusters3",),
    ),
    Case(
        "no-coordinator",
        "the coordinator's role becomes partner",
        "    org:role role:coordinator ;",
        "    org:role role:partner ;",
        (
            "Violation | ^org:organization | QualifiedMinCountConstraintComponent | project:clusters3",
        ),
    ),
    Case(
        "two-coordinators",
        "Tecnalia becomes a second coordinator",
        f"    org:member {TECNALIA} ;\n    org:role role:partner ;",
        f"    org:member {TECNALIA} ;\n    org:role role:coordinator ;",
        (
            "Violation | ^org:organization | QualifiedMaxCountConstraintComponent | project:clusters3",
        ),
    ),
    Case(
        "participation-without-role",
        "Lubelskie's participation loses its role",
        "    org:role role:communication ;\n",
        "",
        (f"Violation | org:role | MinCountConstraintComponent | {LUBELSKIE_P}",),
    ),
    Case(
        "role-not-in-scheme",
        "Lubelskie's role is not a concept of the role scheme",
        "    org:role role:communication ;",
        "    org:role role:chair ;",
        (f"Violation | org:role | NodeConstraintComponent | {LUBELSKIE_P}",),
    ),
    Case(
        "role-label-not-eurio",
        "Lubelskie's eurio:roleLabel is the page's function, which is not one of EURIO's five",
        '    eurio:isRoleOf organisation:lubelskie-voivodeship ;\n    eurio:roleLabel "partner" .',
        '    eurio:isRoleOf organisation:lubelskie-voivodeship ;\n    eurio:roleLabel "Communication" .',
        (f"Violation | eurio:roleLabel | InConstraintComponent | {LUBELSKIE_P}",),
    ),
    Case(
        "participation-two-organisations",
        "Tecnalia's participation names a second organisation",
        f"    org:member {TECNALIA} ;\n    org:role role:partner ;",
        f"    org:member {TECNALIA}, organisation:piedmont-region ;\n    org:role role:partner ;",
        (f"Violation | org:member | MaxCountConstraintComponent | {TECNALIA_P}",),
    ),
    Case(
        "participation-without-project",
        "Tecnalia's participation loses its project",
        f"    org:organization project:clusters3 ;\n    org:member {TECNALIA} ;",
        f"    org:member {TECNALIA} ;",
        (f"Violation | org:organization | MinCountConstraintComponent | {TECNALIA_P}",),
    ),
    Case(
        "organisation-without-name",
        "Tecnalia loses its name",
        '    skos:prefLabel "Tecnalia Research & Innovation Foundation" ;\n',
        "",
        (f"Violation | skos:prefLabel | MinCountConstraintComponent | {TECNALIA}",),
    ),
    Case(
        "unknown-country",
        "Lubelskie's country is not in the EU authority table",
        "    pg:country country:POL ;",
        "    pg:country country:XYZ ;",
        (
            "Violation | eurio:hasSite/pg:country | ClassConstraintComponent | organisation:lubelskie-voivodeship",
        ),
    ),
    Case(
        "country-as-text",
        "Lubelskie's country is the text 'Poland'",
        "    pg:country country:POL ;",
        '    pg:country "Poland" ;',
        (
            "Violation | eurio:hasSite/pg:country | NodeKindConstraintComponent | organisation:lubelskie-voivodeship",
            "Violation | eurio:hasSite/pg:country | PatternConstraintComponent | organisation:lubelskie-voivodeship",
            "Violation | eurio:hasSite/pg:country | ClassConstraintComponent | organisation:lubelskie-voivodeship",
        ),
    ),
    Case(
        "cluster-flag-not-boolean",
        "Tecnalia's cluster flag is the page's 'No'",
        "    eurio:hasSite <id/organisation/tecnalia-research-innovation-foundation#site> ;\n    pg:isClusterOrganisation false .",
        '    eurio:hasSite <id/organisation/tecnalia-research-innovation-foundation#site> ;\n    pg:isClusterOrganisation "No" .',
        (f"Violation | pg:isClusterOrganisation | DatatypeConstraintComponent | {TECNALIA}",),
    ),
    Case(
        "cluster-flag-twice",
        "Tecnalia is both a cluster organisation and not one",
        "    eurio:hasSite <id/organisation/tecnalia-research-innovation-foundation#site> ;\n    pg:isClusterOrganisation false .",
        "    eurio:hasSite <id/organisation/tecnalia-research-innovation-foundation#site> ;\n    pg:isClusterOrganisation false, true .",
        (f"Violation | pg:isClusterOrganisation | MaxCountConstraintComponent | {TECNALIA}",),
    ),
    Case(
        "region-not-nuts",
        "Lubelskie's region is not a NUTS IRI",
        "    pg:region nuts:PL81 .",
        "    pg:region <http://example.org/regions/lublin> .",
        (
            "Violation | eurio:hasSite/pg:region | NodeConstraintComponent | organisation:lubelskie-voivodeship",
        ),
    ),
    Case(
        "website-as-text",
        "Tecnalia gets a website written as a string",
        "    eurio:hasSite <id/organisation/tecnalia-research-innovation-foundation#site> ;\n    pg:isClusterOrganisation false .",
        '    eurio:hasSite <id/organisation/tecnalia-research-innovation-foundation#site> ;\n    foaf:homepage "www.tecnalia.com" ;\n    pg:isClusterOrganisation false .',
        (
            f"Violation | foaf:homepage | NodeKindConstraintComponent | {TECNALIA}",
            f"Violation | foaf:homepage | PatternConstraintComponent | {TECNALIA}",
        ),
    ),
    Case(
        "topic-not-in-scheme",
        "a topic that is not in the topic scheme",
        "        topic:cluster-internationalisation, topic:cluster-capacity-building ;",
        "        topic:cluster-internationalisation, topic:cluster-capacity ;",
        ("Violation | dct:subject | NodeConstraintComponent | project:clusters3",),
    ),
    Case(
        "seminar-without-place",
        "the Latvian seminar loses its place",
        "    schema:location nuts:LV00 ;\n",
        "",
        (
            "Violation | schema:location | MinCountConstraintComponent | event:clusters3-seminar-lv00",
        ),
    ),
    Case(
        "seminar-place-not-nuts",
        "the Latvian seminar is held at a non-NUTS place",
        "    schema:location nuts:LV00 ;",
        "    schema:location <http://example.org/places/riga> ;",
        ("Violation | - | NodeConstraintComponent | <http://example.org/places/riga>",),
    ),
    Case(
        "phase-without-number",
        "phase 2 loses its number",
        "    schema:position 2 ;\n",
        "",
        ("Violation | schema:position | MinCountConstraintComponent | phase:clusters3-2",),
    ),
    Case(
        "publication-without-name",
        "the SWOT analysis loses its name",
        '    schema:name "Regional SWOT Analysis"@en ;\n',
        "",
        (
            "Violation | schema:name | MinCountConstraintComponent | publication:clusters3-regional-swot-analysis",
        ),
    ),
    Case(
        "publication-unknown-status",
        "the peer reviews report has an unknown status",
        '    schema:creativeWorkStatus "Planned" ;',
        '    schema:creativeWorkStatus "Soon" ;',
        (
            "Violation | schema:creativeWorkStatus | InConstraintComponent | publication:clusters3-peer-reviews-report",
        ),
    ),
    Case(
        "newsletter-without-name",
        "the newsletter loses its name",
        '    schema:name "CLUSTERS3 Newsletter"@en .',
        '    rdfs:comment "no name"@en .',
        ("Violation | schema:name | MinCountConstraintComponent | newsletter:clusters3",),
    ),
    Case(
        "account-without-name",
        "the Twitter account loses its handle",
        '    foaf:accountName "CLUSTERS3eu" ;\n',
        "",
        ("Violation | foaf:accountName | MinCountConstraintComponent | account:clusters3-twitter",),
    ),
    Case(
        "image-as-text",
        "the project image is a string",
        "    schema:image <http://www.interregeurope.eu/fileadmin/user_upload/tx_tevprojects/projects/image_1516354554.jpg> ;",
        '    schema:image "image_1516354554.jpg" ;',
        (
            "Violation | schema:image | NodeKindConstraintComponent | project:clusters3",
            "Violation | schema:image | PatternConstraintComponent | project:clusters3",
        ),
    ),
    Case(
        "project-typed-by-subclass",
        "the project is typed only by a class the record states to be a subclass of eurio:Project"
        " (the shapes name only eurio:Project), and its title is removed",
        "project:clusters3\n    a eurio:Project, org:OrganizationalCollaboration ;\n"
        '    rdfs:label "CLUSTERS3 - Leveraging Cluster Policies for successful implementation of RIS3"@en ;\n'
        '    eurio:title "Leveraging Cluster Policies for successful implementation of RIS3" ;\n',
        "<http://example.org/LocalProject> rdfs:subClassOf eurio:Project .\n\n"
        "project:clusters3\n    a <http://example.org/LocalProject>, org:OrganizationalCollaboration ;\n"
        '    rdfs:label "CLUSTERS3 - Leveraging Cluster Policies for successful implementation of RIS3"@en ;\n',
        ("Violation | eurio:title | MinCountConstraintComponent | project:clusters3",),
    ),
)


def render(case: Case, record: str) -> str:
    """The broken copy for ``case``: header lines, then the record with one change."""
    if record.count(case.find) != 1:
        raise SystemExit(
            f"{case.name}: the text to change occurs {record.count(case.find)} times in {RECORD}"
        )
    header = [
        f"# Deliberately broken copy of data/projects/clusters3.ttl: {case.change}.",
        "# Generated by tests/data/invalid/generate.py; edit the case there, not this file.",
        *(f"# expect: {e}" for e in case.expect),
    ]
    return "\n".join(header) + "\n" + record.replace(case.find, case.replace)


def main() -> None:
    record = source_text()
    names = {c.name for c in CASES}
    for stale in HERE.glob("*.ttl"):
        if stale.stem not in names:
            stale.unlink()
    for case in CASES:
        (HERE / f"{case.name}.ttl").write_text(render(case, record), encoding="utf-8")
    print(f"wrote {len(CASES)} broken copies to {HERE}")


if __name__ == "__main__":
    main()
