"""/docs: the API reference renders in Chromium from our own copy of Swagger UI, lists every
named query, and its "Try it out" runs a query against this server."""

from __future__ import annotations

from playwright.sync_api import expect

from projectgraph.sparql.named import load_queries
from tests.browser import Tab
from tests.conftest import REPO
from tests.server import Server


def test_docs_render_every_operation_offline(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("projectgraph")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = set(operations.all_inner_texts())
    for query in load_queries(REPO / "queries"):
        assert any(f"/api/queries/{query.name}" in p for p in paths), query.name
    assert not page.locator(".errors-wrapper").is_visible()


def test_try_it_out_runs_a_query(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(server.url + "/docs")
    block = page.locator("#operations-organisations-run_organisations_by_name")
    block.locator(".opblock-summary").click()
    field = block.locator("tr[data-param-name='text'] input")
    expect(field).to_have_value("region")  # the declared example, ready to run
    field.fill("council")
    block.get_by_role("button", name="Execute").click()
    expect(block.locator(".live-responses-table")).to_contain_text("Hajdú-Bihar County Council")
