"""The worker pool hands idle workers out fairly and never loses one."""

from __future__ import annotations

import asyncio
import contextlib

from projectgraph.store.pool import _Handoff


def test_a_returned_worker_goes_to_the_longest_waiting_query() -> None:
    async def scenario() -> list[str]:
        pool = _Handoff()
        order: list[str] = []

        async def query(name: str) -> None:
            worker = await pool.get()
            order.append(f"{name}:{worker}")

        first = asyncio.create_task(query("first"))
        await asyncio.sleep(0)  # "first" is now waiting
        pool.put("w1")  # type: ignore[arg-type]
        # A newcomer arrives after the hand-off but before "first" has run: it must wait.
        newcomer = asyncio.create_task(query("newcomer"))
        await asyncio.sleep(0)
        assert not newcomer.done()
        pool.put("w2")  # type: ignore[arg-type]
        await asyncio.gather(first, newcomer)
        return order

    assert asyncio.run(scenario()) == ["first:w1", "newcomer:w2"]


def test_a_waiter_that_times_out_does_not_swallow_a_worker() -> None:
    async def scenario() -> int:
        pool = _Handoff()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.01):
                await pool.get()
        pool.put("w")  # type: ignore[arg-type]  # the timed-out waiter must not receive it
        return len(pool)

    assert asyncio.run(scenario()) == 1


def test_handed_over_while_cancelled_goes_back() -> None:
    async def scenario() -> int:
        pool = _Handoff()
        waiter = asyncio.create_task(pool.get())
        await asyncio.sleep(0)
        pool.put("w")  # type: ignore[arg-type]  # result set ...
        waiter.cancel()  # ... and cancelled before the task ran
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        return len(pool)

    assert asyncio.run(scenario()) == 1


def test_large_writes_are_split_into_frames() -> None:
    import socket

    from projectgraph.store.protocol import CHUNK, DATA, END, Outbox, recv_frame

    ours, theirs = socket.socketpair()
    with ours, theirs:
        out = Outbox(ours)
        out.write(b"x" * (3 * CHUNK + 5))  # one write, as a big single value would come
        out.send(END, {})
        sizes = []
        while True:
            kind, payload = recv_frame(theirs)
            if kind == END:
                break
            assert kind == DATA
            sizes.append(len(payload))
    assert sizes == [CHUNK, CHUNK, CHUNK, 5]


def test_a_query_that_calls_out_fails_cleanly_in_an_isolated_worker(dist) -> None:  # type: ignore[no-untyped-def]
    """Even a SERVICE that got past the server's checks reaches nothing, and the worker
    survives the failure (no restart)."""
    from projectgraph.store.base import QueryError, QueryRequest
    from projectgraph.store.pool import StoreSpec, WorkerPool
    from tests.test_inspect import Listener

    listener = Listener()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"

    async def scenario() -> tuple[object, dict[str, object]]:
        pool = WorkerPool(StoreSpec("memory", str(dist / "projectgraph.nq.zst")), 1)
        await pool.start()
        try:
            outcome = await pool.execute(QueryRequest(query, "json", timeout=10))
            return outcome, pool.health()
        finally:
            await pool.stop()

    outcome, health = asyncio.run(scenario())
    # An error status, not a cut 200: the SERVICE call's failure (502).
    assert isinstance(outcome, QueryError) and outcome.status == 502
    assert "a SERVICE call failed" in outcome.message
    assert "unreachable" in outcome.message.lower()
    assert listener.connections == 0
    assert health["network_isolated"] is True and health["worker_restarts"] == 0
