"""The PDF workers' fork server: what every worker inherits from it."""

from __future__ import annotations

import gc
from concurrent.futures import ProcessPoolExecutor

from manualkit.builders import pdf_pool
from manualkit.builders.pdf_preload import WORKER_GC_THRESHOLD


def test_workers_leave_the_servers_warmed_up_objects_out_of_their_collections() -> None:
    # A worker's full collections would otherwise walk WeasyPrint's modules and caches again, and
    # copy the server's memory pages into the worker while doing so (see pdf_preload).
    with ProcessPoolExecutor(max_workers=1, mp_context=pdf_pool._context()) as pool:
        frozen = pool.submit(gc.get_freeze_count).result(timeout=120)
        threshold = pool.submit(gc.get_threshold).result(timeout=120)
    assert frozen > 20_000, f"only {frozen} objects frozen in the fork server"
    assert threshold[0] == WORKER_GC_THRESHOLD
