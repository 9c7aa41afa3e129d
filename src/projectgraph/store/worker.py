"""A query worker process: opens the store once, then answers queries sent over its socket.

Started by :mod:`projectgraph.store.pool` as ``python -m projectgraph.store.worker``. Queries run
here, not in the server, because pyoxigraph cannot cancel a query: when one runs past its
timeout the server kills this process and starts another, and nothing else is held up.
Imports are kept to pyoxigraph and the standard library so a replacement starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import resource
import socket
import sys
import threading
import time
from typing import IO, Any, cast

import pyoxigraph as ox

from projectgraph.rdf.formats import BY_KEY
from projectgraph.sparql.inspect import inspect
from projectgraph.sparql.syntax import syntax_error
from projectgraph.store.embedded import open_store, serialize_result
from projectgraph.store.forward import UNKNOWN_FUNCTION, RemoteQueries, RemoteTriples
from projectgraph.store.protocol import (
    CHUNK,
    END,
    ERROR,
    HEAD,
    READY,
    REQUEST,
    Outbox,
    json_frame,
    recv_frame,
)

QUERY_STACK = 1 << 30  # bytes of address space for the query thread's stack (1 GiB)
MAX_UNKNOWN_FUNCTIONS = 64  # distinct unknown functions one query may call


def isolate_network() -> bool:
    """Move this process into its own, empty network namespace: a query that slipped a
    SERVICE call past the server's checks still reaches nothing. Needs unprivileged user
    namespaces (or root); returns whether it worked."""
    libc = ctypes.CDLL(None, use_errno=True)
    new_user, new_net = 0x10000000, 0x40000000  # CLONE_NEWUSER, CLONE_NEWNET
    return any(libc.unshare(flags) == 0 for flags in (new_user | new_net, new_net))


def answer(store: ox.Store | RemoteQueries, request: dict[str, Any], out: Outbox) -> None:
    """Run one query and send HEAD, DATA..., END (or ERROR) frames. Any failure of the query
    becomes an ERROR frame; only a broken connection to the server ends the worker."""
    started = time.perf_counter()
    try:
        if isinstance(store, RemoteQueries):
            result = store.query(request["query"], **_dataset(request), timeout=request["timeout"])
        else:
            result = _embedded_query(store, request)
    except SyntaxError as e:
        out.send(ERROR, _syntax_error(e))
        return
    except Exception as e:
        out.send(ERROR, _failure(e, request["query"]))
        return
    rows: int | None = None
    try:
        graph = isinstance(result, ox.QueryTriples | RemoteTriples)
        fmt = BY_KEY["graph" if graph else "results"].get(request["format"])
        if fmt is None:
            kind = "a graph" if graph else "results"
            out.send(
                ERROR,
                {
                    "status": 500,
                    "message": f"the query returns {kind}, which cannot "
                    f"be written as {request['format']}",
                },
            )
            return
        if isinstance(result, ox.QuerySolutions):
            rows = _write_solutions(result, request, out)
        elif isinstance(result, ox.QueryBoolean):
            _write_whole(out, serialize_result(result, fmt.ox_format))
        elif isinstance(result, RemoteTriples):
            assert isinstance(fmt.ox_format, ox.RdfFormat), "BY_KEY['graph'] holds RDF formats"
            out.send(HEAD, {"truncated": False, "rows": None, "complete": False})
            ox.serialize(result, out.file(), format=fmt.ox_format)
        else:
            out.send(HEAD, {"truncated": False, "rows": None, "complete": False})
            serialize_result(result, fmt.ox_format, out.file())
    except (BrokenPipeError, ConnectionResetError):
        raise
    except Exception as e:
        out.send(ERROR, _failure(e, request["query"]))
        return
    finally:
        if isinstance(store, RemoteQueries):
            store.close()
    seconds = round(time.perf_counter() - started, 6)
    out.send(END, {"rows": rows, "bytes": out.written, "seconds": seconds})


def _write_solutions(result: ox.QuerySolutions, request: dict[str, Any], out: Outbox) -> int | None:
    """Capped: stop the query after max_rows + 1 rows to know whether the result is cut, then
    write at most max_rows. Uncapped: stream everything through pyoxigraph's own writer.

    Capped rows never become Python objects: pyoxigraph writes them as TSV, where every row is
    one line (terms escape their line breaks), so counting line ends is counting rows, and
    the rows kept are read back and written in the asked format by pyoxigraph as well. Taking
    each row into Python and writing it there cost about 12 us a row: two thirds of a point
    query's time in the worker (15 rows: 250 us -> 100 us a query)."""
    key = request["format"]
    cap = request["max_rows"]
    fmt = BY_KEY["results"][key].ox_format
    if not cap:
        out.send(HEAD, {"truncated": False, "rows": None, "complete": False})
        serialize_result(result, fmt, out.file())
        return None
    lines = _Lines(cap + 2)  # the header, cap rows and the one more that says it is cut
    with contextlib.suppress(_Enough):  # the query stops where the writer was stopped
        serialize_result(result, ox.QueryResultsFormat.TSV, lines.file())
    truncated = lines.count > cap + 1
    tsv = lines.first(cap + 1)
    if key == "tsv":
        body = tsv
    else:
        rows = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        body = serialize_result(rows, fmt)
        if truncated and key == "json":  # say so in the document too: one more member
            body = body[: body.rindex(b"}")] + b',"truncated":{"maxRows":%d}}' % cap
    rows_kept = min(lines.count - 1, cap)
    _write_whole(out, body, truncated=truncated, rows=rows_kept)
    return rows_kept


class _Enough(Exception):
    """Raised by :class:`_Lines` once it has the lines it needs; it ends the writing."""


class _Lines:
    """A binary file keeping what is written until it holds ``limit`` lines."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.count = 0  # line ends written

    def write(self, data: bytes) -> int:
        self.data += data
        self.count += data.count(b"\n")
        if self.count >= self.limit:
            raise _Enough
        return len(data)

    def flush(self) -> None:
        """File-like flush: nothing to do."""

    def file(self) -> IO[bytes]:
        """This object where pyoxigraph's writers expect a binary file (they only call
        ``write`` and ``flush``)."""
        return cast(IO[bytes], self)

    def first(self, lines: int) -> bytes:
        """The first ``lines`` lines, or everything if there are not more."""
        if self.count <= lines:
            return bytes(self.data)
        end = -1
        for _ in range(lines):
            end = self.data.index(b"\n", end + 1)
        return bytes(self.data[: end + 1])


def _write_whole(
    out: Outbox, body: bytes, truncated: bool = False, rows: int | None = None
) -> None:
    """A result produced in memory: the server may answer it with a Content-Length when it
    fits one frame (``complete``), and stream it otherwise."""
    out.send(HEAD, {"truncated": truncated, "rows": rows, "complete": len(body) <= CHUNK})
    out.write(body)


def _embedded_query(store: ox.Store, request: dict[str, Any]) -> Any:
    """The query on the embedded store. A call to a function the engine does not know is,
    as SPARQL says of any expression that cannot be evaluated, an error in that expression
    (BIND leaves the variable unbound, FILTER drops the solution), not a failed query:
    Oxigraph refuses such a query when it plans it, naming the function, so each one it names
    is given a definition that has no value, and the query is planned again."""
    unknown: dict[ox.NamedNode, Any] = {}
    while True:
        try:
            return store.query(request["query"], **_dataset(request), custom_functions=unknown)
        except SyntaxError:
            raise
        except Exception as e:
            name = UNKNOWN_FUNCTION.search(str(e))
            if name is None or len(unknown) >= MAX_UNKNOWN_FUNCTIONS:
                raise
            function = ox.NamedNode(name[1])
            if function in unknown:
                raise
            unknown[function] = _no_value


def _no_value(*_arguments: object) -> None:
    """An unknown function's value: none (an expression error)."""
    return None


def _dataset(request: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if request.get("base_iri"):
        options["base_iri"] = request["base_iri"]
    if request.get("default_graphs") is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
    if request.get("named_graphs") is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    # Without a dataset the store's own default graph is the merge of all graphs (see
    # store.embedded); nothing to ask of the engine.
    return options


def _failure(error: Exception, query: str) -> dict[str, Any]:
    """An ERROR frame's payload for a query that failed: a remote store's failure keeps its
    status (502, 504) and sentence; a federated query's failure is its endpoint's (502: the
    endpoint is down, answered an error, or redirected, which is never followed); anything
    else is the engine's 500."""
    status = getattr(error, "status", None)
    if isinstance(status, int):
        return {"status": status, "message": str(error)}
    if inspect(query).service:
        return {"status": 502, "message": f"a SERVICE call failed: {error}"}
    return {"status": 500, "message": f"query failed: {error}"}


def _syntax_error(error: SyntaxError) -> dict[str, Any]:
    message, line, column = syntax_error(error)
    return {"status": 400, "message": message, "line": line, "column": column}


def main(argv: list[str] | None = None) -> None:
    """Serve queries on the inherited socket until the server closes it."""
    parser = argparse.ArgumentParser(prog="projectgraph.store.worker")
    parser.add_argument("--fd", type=int, required=True, help="inherited socket file descriptor")
    parser.add_argument("--store", choices=("memory", "disk", "remote"), required=True)
    parser.add_argument(
        "--path",
        required=True,
        help="N-Quads dump (memory), store folder (disk) or query endpoint URL (remote)",
    )
    parser.add_argument("--graph", help="the version graph to query (remote)")
    parser.add_argument("--ontology-graph", help="the ontology's graph name (remote)")
    parser.add_argument(
        "--network", action="store_true", help="keep the network (SERVICE to allowed endpoints)"
    )
    parser.add_argument(
        "--memory-mb", type=int, default=0, help="memory a query may take (0: no limit)"
    )
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.fd)
    store: ox.Store | RemoteQueries
    # First, before any thread exists (unshare needs that). A worker that forwards to a
    # remote store needs the network; the server's checks keep SERVICE out of its queries.
    isolated = args.store != "remote" and not args.network and isolate_network()
    try:
        if args.store == "remote":
            store = RemoteQueries(args.path, args.graph, args.ontology_graph)
        else:
            store = open_store(args.store, args.path)
    except (OSError, SyntaxError, ValueError) as e:
        sock.sendall(json_frame(ERROR, {"status": 500, "message": f"cannot open the store: {e}"}))
        sys.exit(1)
    # Queries run on a thread with a large stack: pyoxigraph recurses once per link of a long
    # flat chain (10,000 "!", "||" or "+", 4,000 MINUS or BIND, 5,000 list items), and on the
    # main thread's 8 MiB that overflowed and killed the worker (a 500 for a 20 KB query). The
    # stack is reserved, not used: such a query now runs to its answer or to the timeout.
    threading.stack_size(QUERY_STACK)
    serving = threading.Thread(target=serve, args=(sock, store), name="queries")
    serving.start()
    if args.memory_mb:
        limit_memory(args.memory_mb)
    sock.sendall(json_frame(READY, {"pid": os.getpid(), "isolated": isolated}))
    serving.join()


def limit_memory(megabytes: int) -> None:
    """Let this process take ``megabytes`` more private memory than it has now (its store
    open): a query past that fails to allocate and the worker aborts, instead of one 2 KB
    query (strings doubled by CONCAT) taking the machine's memory before its timeout."""
    with open("/proc/self/status") as status:
        now = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmData:"))
    limit = now + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def serve(sock: socket.socket, store: ox.Store | RemoteQueries) -> None:
    """Answer queries from the server until it closes the socket."""
    while True:
        try:
            kind, payload = recv_frame(sock)
        except (EOFError, ConnectionError):
            return
        if kind == REQUEST:
            try:
                answer(store, json.loads(payload), Outbox(sock))
            except (BrokenPipeError, ConnectionResetError):
                return  # the server gave up on this query (client gone, timeout): exit quietly


if __name__ == "__main__":
    main()
