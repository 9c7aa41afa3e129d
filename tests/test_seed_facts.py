"""Every fact of the CLUSTERS3 profile page can be queried with SPARQL from the Turtle dump.

The expected values are typed in from the page (data/sources/clusters3-eu-project-profile.txt),
not read from the record: a record that drifts from the page fails here.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pyoxigraph as ox
import pytest

from tests.conftest import REPO

BASE = "https://w3id.org/projectgraph/"
PREFIXES = f"""
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX country: <http://publications.europa.eu/resource/authority/country/>
PREFIX nuts: <http://data.europa.eu/nuts/code/>
PREFIX project: <{BASE}id/project/>
PREFIX role: <{BASE}id/role/>
PREFIX topic: <{BASE}id/topic/>
"""

# The partnership table as the page shows it: name, function, country, is cluster organisation.
PARTNERS = [
    ("SPRI - Basque Country Business Development Agency", "Coordinator", None, True),
    ("Tecnalia Research & Innovation Foundation", "Partner", "ESP", False),
    ("Lubelskie Voivodeship", "Communication", "POL", True),
    ("Piedmont Region", "Partner", "ITA", True),
    ("Ministry of Economics of the Republic of Latvia", "Partner", "LVA", True),
    ("Hajdú-Bihar County Council", "Partner", "HUN", True),
    ("Highlands and Islands Enterprise", "Partner", "GBR", True),
    ("Invest Northern Ireland", "Partner", "GBR", True),
    ("TCI Network-The Competitiveness Institute", "Partner", "ESP", True),
    ("Department for the Economy", "Partner", "GBR", True),
]

# Regions the page names: in organisation names and as seminar places (NUTS 2016).
HOME_REGIONS = {
    "SPRI - Basque Country Business Development Agency": "ES21",
    "Lubelskie Voivodeship": "PL81",
    "Piedmont Region": "ITC1",
    "Ministry of Economics of the Republic of Latvia": "LV00",
    "Hajdú-Bihar County Council": "HU321",
    "Highlands and Islands Enterprise": "UKM6",
    "Invest Northern Ireland": "UKN0",
}
SEMINAR_PLACES = {"ES21", "ITC1", "PL81", "UKM6", "LV00", "UKN0"}

TOPICS = [
    "Design and deployment of Cluster Policies",
    "Implementation of Cluster Policies through specific support instruments & programmes",
    "Development of Cluster Policy & its Alignment with RIS3",
    "Monitoring & Evaluation of cluster performance & cluster programmes",
    "Internationalisation of Cluster Organisations",
    "Building Capacity and Competences on Cluster Policy and Cluster Organisation",
]


def select(store: ox.Store, query: str) -> list[dict[str, object]]:
    """Rows of a SELECT as dicts of Python values (IRIs and literal lexical forms)."""
    results = store.query(PREFIXES + query)
    names = [v.value for v in results.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in results]


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(PREFIXES + query))


def seed_section(start: str, end: str) -> list[str]:
    """The non-empty paragraphs of the saved page between two headings."""
    text = (REPO / "data/sources/clusters3-eu-project-profile.txt").read_text(encoding="utf-8")
    body = text.split(start, 1)[1].split(end, 1)[0]
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


def test_acronym_title_and_programme(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?acronym ?title ?programme ?programmeLabel WHERE {
          ?p a eurio:Project ; eurio:hasAcronym/eurio:shortForm ?acronym ; eurio:title ?title ;
             eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?programme .
          ?programme skos:altLabel ?programmeLabel .
        }""",
    )
    assert rows == [
        {
            "acronym": "CLUSTERS3",
            "title": "Leveraging Cluster Policies for successful implementation of RIS3",
            "programme": BASE + "id/programme/interreg-europe",
            "programmeLabel": "INTERREG Europe",
        }
    ]


def test_duration(turtle_store: ox.Store) -> None:
    # "Friday, 1 April, 2016 to Tuesday, 31 March, 2020"
    assert ask(
        turtle_store,
        """ASK { project:clusters3 eurio:startDate "2016-04-01"^^xsd:date ;
                                        eurio:endDate "2020-03-31"^^xsd:date ;
                                        eurio:duration "48"^^xsd:nonNegativeInteger }""",
    )


def test_budget_and_eu_contribution(turtle_store: ox.Store) -> None:
    # "€1.832.645" and "€1.544.244": "." separates thousands.
    rows = select(
        turtle_store,
        """
        SELECT ?total ?totalCurrency ?eu ?euCurrency ?euProgramme WHERE {
          project:clusters3 eurio:hasTotalCost [ eurio:value ?total ; eurio:currency ?totalCurrency ] ;
                            eurio:isFundedBy ?grant .
          ?grant eurio:hasFundingAmount [ eurio:value ?eu ; eurio:currency ?euCurrency ] ;
                 eurio:hasFundingSchemeProgramme ?euProgramme .
        }""",
    )
    assert len(rows) == 1
    row = rows[0]
    assert Decimal(row["total"]) == Decimal("1832645")
    assert Decimal(row["eu"]) == Decimal("1544244")
    assert row["totalCurrency"] == row["euCurrency"] == "EUR"
    assert row["euProgramme"] == BASE + "id/programme/interreg-europe"
    assert ask(turtle_store, 'ASK { project:clusters3 eurio:hasTotalCost/rdfs:label "€1.832.645" }')


def test_partnership_table(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?name ?function ?country ?cluster WHERE {
          ?m org:organization project:clusters3 ; org:member ?o ; org:role ?role .
          ?role skos:prefLabel ?function .
          ?o skos:prefLabel ?name ; pg:isClusterOrganisation ?cluster .
          OPTIONAL { ?o eurio:hasSite/pg:country ?country }
        }""",
    )
    found = sorted(
        (
            r["name"],
            r["function"],
            r["country"] and r["country"].rsplit("/", 1)[1],
            r["cluster"] == "true",
        )
        for r in rows
    )
    assert found == sorted(PARTNERS)


def test_participations_in_eurio_form_too(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?name ?label WHERE {
          project:clusters3 eurio:hasInvolvedParty ?r .
          ?r a eurio:OrganisationRole ; eurio:isInvolvedIn project:clusters3 ; eurio:roleLabel ?label ;
             eurio:isRoleOf/skos:prefLabel ?name .
        }""",
    )
    # eurio:roleLabel takes EURIO's values: the coordinator, and partners (the function as the
    # page words it, "Communication" too, is the org:role of test_partnership_table).
    eurio_label = {"Coordinator": "coordinator"}
    expected = sorted((p[0], eurio_label.get(p[1], "partner")) for p in PARTNERS)
    assert sorted((r["name"], r["label"]) for r in rows) == expected


def test_exactly_one_coordinator_and_it_has_no_country(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?o WHERE { ?m org:organization project:clusters3 ; org:role role:coordinator ; org:member ?o }""",
    )
    assert len(rows) == 1
    assert not ask(turtle_store, f"ASK {{ <{rows[0]['o']}> eurio:hasSite/pg:country ?c }}")


def test_tci_is_described_as_advisory_partner(turtle_store: ox.Store) -> None:
    # Table: "Partner"; background text: "TCI Network ... as advisory partner".
    assert ask(
        turtle_store,
        """ASK { ?m org:member/skos:prefLabel "TCI Network-The Competitiveness Institute" ;
                                         org:role role:partner ; pg:describedRole role:advisory-partner }""",
    )


def test_home_regions_are_nuts_2016(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?name ?code WHERE {
          ?o a eurio:Organisation ; skos:prefLabel ?name ; eurio:hasSite/pg:region ?r .
          ?r skos:notation ?code ; skos:inScheme <http://data.europa.eu/nuts/scheme/2016> .
        }""",
    )
    assert {r["name"]: r["code"] for r in rows} == HOME_REGIONS


def test_six_seminars_and_their_places(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?code WHERE {
          project:clusters3 pg:hasEvent ?e .
          ?e a pg:InterregionalLearningSeminar, schema:Event ; schema:location ?r ;
             dct:isPartOf/schema:position 1 .
          ?r skos:notation ?code ; skos:inScheme <http://data.europa.eu/nuts/scheme/2016> .
        }""",
    )
    assert len(rows) == 6
    assert {r["code"] for r in rows} == SEMINAR_PLACES


def test_phases(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?n ?name ?text WHERE { project:clusters3 pg:hasPhase ?ph .
          ?ph schema:position ?n ; schema:name ?name ; dct:description ?text } ORDER BY ?n""",
    )
    assert [(r["n"], r["name"]) for r in rows] == [
        ("1", "Interregional Learning"),
        ("2", "Implementation of the Action Plan"),
    ]
    assert "leads to the production of an Action Plan" in rows[0]["text"]
    assert "implementation and monitoring of its progress" in rows[1]["text"]


def test_topics(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?label WHERE { project:clusters3 dct:subject ?t . ?t skos:prefLabel ?label ;
                              skos:inScheme ?scheme . ?scheme a skos:ConceptScheme }""",
    )
    assert sorted(r["label"] for r in rows) == sorted(TOPICS)


def test_publications_and_peer_review(turtle_store: ox.Store) -> None:
    rows = select(
        turtle_store,
        """
        SELECT ?name ?status ?genre WHERE { project:clusters3 eurio:hasResult ?p .
          ?p a schema:CreativeWork ; schema:name ?name ; schema:creativeWorkStatus ?status .
          OPTIONAL { ?p schema:genre ?genre } }""",
    )
    assert sorted((r["name"], r["status"], r["genre"]) for r in rows) == [
        ("CLUSTERS3 Peer Reviews Report", "Planned", None),
        ("Regional SWOT Analysis", "Published", "Policy Learning Document"),
    ]
    assert ask(
        turtle_store,
        """ASK { ?report schema:name "CLUSTERS3 Peer Reviews Report"@en ;
                                         schema:about ?ex . ?ex schema:name "CLUSTERS3 Peer Review Exercises"@en .
                                         project:clusters3 pg:hasEvent ?ex }""",
    )


def test_newsletter_twitter_and_image(turtle_store: ox.Store) -> None:
    assert ask(
        turtle_store,
        'ASK { project:clusters3 pg:hasNewsletter/schema:name "CLUSTERS3 Newsletter"@en }',
    )
    assert ask(
        turtle_store,
        """ASK { project:clusters3 foaf:account ?a . ?a foaf:accountName "CLUSTERS3eu" ;
                                         foaf:accountServiceHomepage <https://twitter.com/> }""",
    )
    assert ask(
        turtle_store,
        """ASK { project:clusters3 schema:image
        <http://www.interregeurope.eu/fileadmin/user_upload/tx_tevprojects/projects/image_1516354554.jpg> }""",
    )


@pytest.mark.parametrize(
    ("prop", "start", "end"),
    [
        ("pg:background", "Project background WHY?", "Project objective - WHAT?"),
        ("pg:objective", "Project objective - WHAT?", "Project methodology - HOW?"),
        ("pg:methodology", "Project methodology - HOW?", "http://www.interregeurope.eu"),
        ("pg:thematicBox", "Project’s Key Topics (Thematic Box)", "\x00"),
    ],
)
def test_description_texts_are_verbatim(
    turtle_store: ox.Store, prop: str, start: str, end: str
) -> None:
    rows = select(turtle_store, f"SELECT ?text WHERE {{ project:clusters3 {prop} ?text }}")
    assert len(rows) == 1
    text = rows[0]["text"]
    paragraphs = seed_section(start, end)
    assert paragraphs
    for paragraph in paragraphs:
        assert paragraph in text


def test_provenance_points_at_the_profile_page(turtle_store: ox.Store) -> None:
    page = REPO / "data/sources/clusters3-eu-project-profile.txt"
    digest = hashlib.sha256(page.read_bytes()).hexdigest()
    assert ask(
        turtle_store,
        f"""ASK {{ project:clusters3 prov:wasDerivedFrom ?s ; prov:wasGeneratedBy ?import .
        ?s a prov:Entity ; dct:identifier "{page.name}" ; dct:format "text/plain" .
        ?import a prov:Activity ; prov:used ?s ; prov:wasAssociatedWith ?agent ;
            spdx:checksum/spdx:checksumValue "{digest}"^^xsd:hexBinary .
        ?agent a prov:SoftwareAgent ; schema:softwareVersion ?version }}""",
    )
