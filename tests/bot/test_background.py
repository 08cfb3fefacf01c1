"""The gateway's background jobs stop without leaving database work running behind them."""

from __future__ import annotations

import asyncio
import threading
import time

from bot.app import _every, _stop_jobs


async def test_a_running_job_in_a_thread_finishes_before_the_gateway_stops() -> None:
    started, finished = threading.Event(), threading.Event()

    def query() -> None:  # stands for a database query run with asyncio.to_thread
        started.set()
        time.sleep(0.3)
        finished.set()

    async def job() -> None:
        await asyncio.to_thread(query)

    stop = asyncio.Event()
    task = asyncio.create_task(_every(3600, "test", job, stop))
    assert await asyncio.to_thread(started.wait, 5)
    await _stop_jobs([task], stop, grace=5)
    assert finished.is_set()  # a plain cancel would have returned while the thread was still querying
    assert task.done() and not task.cancelled()


async def test_a_job_that_outlives_the_grace_period_is_cancelled() -> None:
    running = asyncio.Event()

    async def job() -> None:
        running.set()
        await asyncio.sleep(3600)

    stop = asyncio.Event()
    task = asyncio.create_task(_every(3600, "test", job, stop))
    await running.wait()
    began = time.monotonic()
    await _stop_jobs([task], stop, grace=0.2)
    assert task.cancelled()
    assert time.monotonic() - began < 5


async def test_a_job_waiting_for_its_next_run_stops_at_once() -> None:
    ran = asyncio.Event()
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        ran.set()

    stop = asyncio.Event()
    task = asyncio.create_task(_every(3600, "test", job, stop))
    await ran.wait()
    began = time.monotonic()
    await _stop_jobs([task], stop, grace=5)
    assert time.monotonic() - began < 1
    assert task.done() and not task.cancelled() and runs == 1
