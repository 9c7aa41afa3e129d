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
