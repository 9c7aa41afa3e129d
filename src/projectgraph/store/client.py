"""A SPARQL store of someone else's (Virtuoso, Fuseki, GraphDB, QLever, ...), reached only
through the standard protocols: SPARQL 1.1 Query for reads, SPARQL 1.1 Update and, where the
store offers it, the Graph Store HTTP Protocol for loads.

Every failure becomes a :class:`StoreError` whose message says which store, what happened and
what to do (connection refused, credentials refused, no answer in time, the store's own error),
with the HTTP status projectgraph answers its clients with (502, or 504 when it timed out).
Transient failures (connection errors, 502/503/504, timeouts) are retried by the callers that
are safe to repeat: loads and updates here are idempotent, since an RDF graph is a set.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx

from projectgraph.errors import EXIT_STORE, ProjectGraphError

AUTH_ENV = "PROJECTGRAPH_STORE_AUTH"  # user:password for the store
TOKEN_ENV = "PROJECTGRAPH_STORE_TOKEN"  # a bearer token for the store
TRANSIENT_STATUS = frozenset({502, 503, 504})
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# A graph no store holds: naming it as the only named graph keeps GRAPH ?g from wandering
# into the store's other graphs (Virtuoso's GRAPH ?g sees every graph it has otherwise).
NO_GRAPH = "urn:x-projectgraph:no-graph"
T = TypeVar("T")


def version_graph(graph: str, build_id: str) -> str:
    """The graph holding build ``build_id``'s merged graph under the dataset graph ``graph``."""
    return f"{graph.rstrip('/#')}/build/{build_id}"


def ontology_copy(version: str) -> str:
    """The graph holding the ontology's graph of the build in ``version``."""
    return f"{version}/ontology"


class StoreError(ProjectGraphError):
    """The remote store could not do what was asked; ``status`` is what our clients get."""

    exit_code = EXIT_STORE

    def __init__(self, message: str, status: int = 502, transient: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.transient = transient


class PartialResult(StoreError):
    """The store stopped a query at its time limit and answered what it had (Virtuoso)."""


@dataclass(frozen=True)
class Endpoints:
    """Where a store answers: queries, updates, and (optionally) the Graph Store protocol."""

    query: str
    update: str | None = None  # default: the query endpoint (one URL for both, as in QLever)
    graph_store: str | None = None  # GSP endpoint; without it loads use INSERT DATA

    @property
    def update_url(self) -> str:
        return self.update or self.query


class AutoAuth(httpx.Auth):
    """user:password with whichever scheme the store asks for: Digest (Virtuoso's
    ``/sparql-auth``) or Basic (Fuseki, GraphDB). The first challenge decides; Digest then
    answers later requests from the cached challenge without another round trip."""

    requires_request_body = True

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.inner: httpx.Auth | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.inner is None:
            response = yield request
            if response.status_code != 401:
                return
            scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
            self.inner = (
                httpx.DigestAuth(self.user, self.password)
                if scheme == "digest"
                else httpx.BasicAuth(self.user, self.password)
            )
        yield from self.inner.auth_flow(request)


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def credentials(
    auth: str | None = None, environ: Mapping[str, str] | None = None
) -> httpx.Auth | None:
    """The store's credentials: ``auth`` (``user:password``), else PROJECTGRAPH_STORE_AUTH,
    else a bearer token from PROJECTGRAPH_STORE_TOKEN; None for an open store. Secrets come
    from the environment so they stay out of process listings and shell history."""
    environ = os.environ if environ is None else environ
    auth = auth or environ.get(AUTH_ENV)
    if auth:
        user, colon, password = auth.partition(":")
        if not colon or not user:
            raise ProjectGraphError("--auth must be user:password (or set PROJECTGRAPH_STORE_AUTH)")
        return AutoAuth(user, password)
    token = environ.get(TOKEN_ENV)
    return _Bearer(token) if token else None


def describe_failure(url: str, error: Exception, timeout: float) -> StoreError:
    """A transport error as a sentence about the store."""
    if isinstance(error, httpx.ConnectError):
        reason = str(error) or "connection failed"
        if "refused" in reason.lower():
            reason = "connection refused"
        return StoreError(f"cannot reach the SPARQL store at {url}: {reason}", transient=True)
    if isinstance(error, httpx.TimeoutException):
        return StoreError(
            f"the SPARQL store at {url} did not answer within {timeout:g} s",
            status=504,
            transient=True,
        )
    return StoreError(f"the SPARQL store at {url} failed: {error}", transient=True)


def check_response(url: str, response: httpx.Response, body: bytes | None = None) -> None:
    """Raise a StoreError for an answer that is not a success (``body``: when already read)."""
    if response.is_success:
        # Virtuoso cuts a query at its own MaxQueryExecutionTime and still answers 200 with
        # what it had ("anytime" results); a partial answer is an error here, never data.
        state = response.headers.get("x-sql-state")
        if state:
            raise PartialResult(
                f"the SPARQL store at {url} returned a partial result ({state}: "
                f"{response.headers.get('x-sql-message', 'its own time limit')})",
                status=504,
            )
        return
    text = (body if body is not None else b"").decode("utf-8", "replace").strip()
    detail = text.splitlines()[0][:300] if text else response.reason_phrase
    status = response.status_code
    if status in (401, 403):
        raise StoreError(
            f"the SPARQL store at {url} refused the request (HTTP {status}): check the "
            f"credentials (--auth, {AUTH_ENV} or {TOKEN_ENV}) and the user's rights; {detail}"
        )
    raise StoreError(
        f"the SPARQL store at {url} answered HTTP {status}: {detail}",
        transient=status in TRANSIENT_STATUS,
    )


class SparqlStore:
    """A client for one remote store, safe to use from one thread at a time."""

    def __init__(
        self,
        endpoints: Endpoints,
        auth: httpx.Auth | None = None,
        timeout: float = 60.0,
        retries: int = 4,
        keep_alive: bool = True,
    ) -> None:
        self.endpoints = endpoints
        self.timeout = timeout
        self.retries = retries
        self.client = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_keepalive_connections=None if keep_alive else 0),
            headers={"User-Agent": "projectgraph"},
            trust_env=False,  # the store's address is given; no proxy from the environment
        )

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    @contextmanager
    def query(
        self,
        text: str,
        accept: str,
        default_graphs: tuple[str, ...] = (),
        named_graphs: tuple[str, ...] = (),
        extra: Mapping[str, str] | None = None,
    ) -> Iterator[httpx.Response]:
        """POST ``text`` to the query endpoint and yield the streaming answer (a success);
        ``extra``: more form parameters (a store's own, such as a timeout)."""
        url = self.endpoints.query
        form = {
            "query": text,
            "default-graph-uri": list(default_graphs),
            "named-graph-uri": list(named_graphs),
            **(extra or {}),
        }
        try:
            with self.client.stream("POST", url, data=form, headers={"Accept": accept}) as response:
                if not response.is_success:
                    check_response(url, response, response.read())
                check_response(url, response)
                yield response
        except httpx.HTTPError as e:
            raise describe_failure(url, e, self.timeout) from None

    def select(self, text: str) -> list[dict[str, str]]:
        """The rows of a small SELECT over the store's own dataset, as {variable: lexical
        value} (retried when transient)."""

        def run() -> list[dict[str, str]]:
            with self.query(text, RESULTS_JSON) as response:
                document = json.loads(response.read())
            return [
                {name: term["value"] for name, term in row.items()}
                for row in document["results"]["bindings"]
            ]

        return self._retrying(run)

    def count(self, graph: str) -> int:
        """Triples in ``graph``."""
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]) if rows else 0

    def ping(self) -> None:
        """Raise a StoreError unless the store answers a trivial query."""
        with self.query("ASK {}", RESULTS_JSON, (NO_GRAPH,), (NO_GRAPH,)) as response:
            response.read()

    def update(self, text: str) -> None:
        """Run a SPARQL Update (retried when transient: every update we send is idempotent)."""
        url = self.endpoints.update_url

        def run() -> None:
            try:
                response = self.client.post(url, data={"update": text})
            except httpx.HTTPError as e:
                raise describe_failure(url, e, self.timeout) from None
            check_response(url, response, response.content)

        self._retrying(run)

    def add_triples(self, graph: str, ntriples: bytes) -> None:
        """Add N-Triples to ``graph``: a Graph Store POST where the store has one, else one
        INSERT DATA (N-Triples lines are valid inside it)."""
        if self.endpoints.graph_store is None:
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{ntriples.decode()}\n}} }}")
            return
        url = self.endpoints.graph_store

        def run() -> None:
            try:
                response = self.client.post(
                    url,
                    params={"graph": graph},
                    content=ntriples,
                    headers={"Content-Type": N_TRIPLES},
                )
            except httpx.HTTPError as e:
                raise describe_failure(url, e, self.timeout) from None
            check_response(url, response, response.content)

        self._retrying(run)

    def _retrying(self, attempt: Callable[[], T]) -> T:
        delay = 0.5
        for left in range(self.retries, -1, -1):
            try:
                return attempt()
            except StoreError as e:
                if not e.transient or left == 0:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
        raise AssertionError("unreachable")
