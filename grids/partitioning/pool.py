"""Run the villages, serially or in a process pool, each in isolation.

A village that raises is reported (:class:`~.village.VillageResult` with ``failure``:
a readable reason, one of the ``FAIL_*`` constants of :mod:`.params`, and the exception's
own text as detail) and the others go on. A worker process that dies (out of memory,
killed) breaks the pool: the villages it had not finished run again in this process.
"""

from __future__ import annotations

import logging
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import shapely

from . import graph
from .params import FAIL_GEOMETRY, FAIL_INTERNAL
from .village import VillageResult, VillageTask, run_village

log = logging.getLogger(__name__)


def failed(task: VillageTask, exc: BaseException) -> VillageResult:
    """The result of a village that could not be partitioned: no grid, a reason."""
    reason = FAIL_GEOMETRY if isinstance(exc, shapely.errors.GEOSException) else FAIL_INTERNAL
    empty = np.full(len(task.xy), "", dtype=object)
    detail = f"{type(exc).__name__}: {exc}"
    return VillageResult(task.village_id, empty, empty.copy(), [], [], failure=(reason, detail))


def run_safely(task: VillageTask) -> VillageResult:
    """:func:`.village.run_village`, with any exception turned into a failed result."""
    try:
        return run_village(task)
    except Exception as exc:  # one village must not stop the county
        log.exception("village %s could not be partitioned", task.village_id)
        return failed(task, exc)


def _warm_up() -> None:
    """Pool worker start: import the village code's scipy parts (see ``start_pool``)."""
    graph.scipy_parts()


def start_pool(workers: int) -> ProcessPoolExecutor | None:
    """The process pool, started before validation and placement.

    The workers load scipy (~0.5 s; the parent never needs it) on the second core while
    the parent is still reading and placing households, instead of before their first
    village.
    """
    if workers <= 1:
        return None
    pool = ProcessPoolExecutor(max_workers=workers)
    for _ in range(workers):
        pool.submit(_warm_up)
    return pool


def run_villages(tasks: list[VillageTask], workers: int, progress=None, pool=None) -> list:
    """One result per task, in task order (largest villages go to the pool first)."""
    total = len(tasks)
    results: list = [None] * total
    done = 0
    if workers > 1 and total > 1:
        order = sorted(range(total), key=lambda i: -len(tasks[i].xy))
        own = pool is None
        if own:
            pool = ProcessPoolExecutor(max_workers=workers)
        try:
            futures = {pool.submit(run_safely, tasks[i]): i for i in order}
            for f in as_completed(futures):
                try:
                    results[futures[f]] = f.result()
                except BrokenProcessPool:
                    log.warning("a partition worker died; its villages run in this process")
                    break
                done += 1
                if progress:
                    progress(done, total)
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
    for i, t in enumerate(tasks):
        if results[i] is None:
            results[i] = run_safely(t)
            done += 1
            if progress:
                progress(done, total)
    return results
