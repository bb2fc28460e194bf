"""Scoring many files: in this process, in local worker processes, or on a Dask cluster.

Every mode yields rows as files finish, so the caller writes each at once. Each worker process keeps
one Scorer (model loaded once, on its first file) in a module-level cache.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

from voicecoach.batch.jobs import BatchInputError, Job
from voicecoach.batch.results import Row, row_failed, row_from_report
from voicecoach.errors import VoicecoachError

log = logging.getLogger("voicecoach")

MAX_ATTEMPTS = 3  # a file whose worker died this many times is reported as failed
# (job, report) -> None: writes a scored file's page (voicecoach.render.html.batch_answer_page)
PageWriter = Callable[[Job, object], None]
_scorers: dict = {}
_lock = threading.Lock()


def page_name(path: str, key: str) -> str:
    """The file name of a job's HTML page: readable (the recording's name) and unique (its key, which
    also tells a rerun whether the page is of this content and these settings)."""
    import re
    from pathlib import Path

    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem)[:40] or "answer"
    return f"{stem}-{key[:12]}.html"


def score_job(job: Job, question, options, write_page: PageWriter | None = None) -> Row:
    """Score one file in this process, with this process's cached Scorer. Never raises: a file's
    problem becomes a failed row. One file at a time per process (the engine is not re-entrant).
    ``write_page(job, report)``: also write the file's page (a picklable callable: it runs where the
    file is scored, on a worker too)."""
    from voicecoach.pipeline import Scorer

    with _lock:
        try:
            scorer = _scorers.get(repr(options))
            if scorer is None:
                # a worker process (Dask spawns its own) caps its malloc arenas as the CLI does,
                # before the models start their threads
                from voicecoach.allocator import limit_malloc_arenas

                limit_malloc_arenas()
                scorer = _scorers[repr(options)] = Scorer(options)
            report = scorer.score(job.path, question)
            if report.numerics != options.numerics:  # (a worker started another way: checked, not assumed)
                return row_failed(
                    job, f"the worker computed in {report.numerics} mode, not {options.numerics} as asked"
                )
            if write_page is not None:
                _write_page(write_page, job, report)
            return row_from_report(job, report)
        except VoicecoachError as e:
            return row_failed(job, str(e))
        except Exception as e:  # keep the batch going; the row says what happened
            log.debug("batch: %s failed", job.path, exc_info=True)
            return row_failed(job, f"internal error: {type(e).__name__}: {e}")


def _write_page(write_page: PageWriter, job: Job, report) -> None:
    """The page is extra: a file whose page cannot be written keeps its row (the summary then has
    no link for it, and a rerun with --html tries again)."""
    try:
        write_page(job, report)
    except (VoicecoachError, OSError) as e:
        log.warning("batch: %s: no page written (%s)", job.path, e)


def run_inline(jobs: list[Job], questions: dict, options, write_page: PageWriter | None = None) -> Iterator[Row]:
    for j in jobs:
        yield score_job(j, questions[j.question], options, write_page)


def run_processes(
    jobs: list[Job], questions: dict, options, workers: int, write_page: PageWriter | None = None
) -> Iterator[Row]:
    """Local worker processes (spawned, so no model state is forked). A worker that dies (killed,
    out of memory) breaks the pool: the files not finished go to a new pool, up to MAX_ATTEMPTS."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pending = dict(enumerate(jobs))
    attempts = {i: 0 for i in pending}
    ctx = multiprocessing.get_context("spawn")
    while pending:
        ex = ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=ctx)
        try:
            futures = {
                ex.submit(score_job, j, questions[j.question], options, write_page): i for i, j in pending.items()
            }
            for f in as_completed(futures):
                i = futures[f]
                row = f.result()
                del pending[i]
                yield row
        except BrokenProcessPool:
            for i in list(pending):
                attempts[i] += 1
                if attempts[i] >= MAX_ATTEMPTS:
                    yield row_failed(
                        pending.pop(i), f"a worker process died while scoring it ({MAX_ATTEMPTS} attempts)"
                    )
            log.warning("batch: a worker process died; %d files go to new workers", len(pending))
        finally:
            # Done: wait for the idle workers, so the pool's manager thread has ended before Python
            # exits (with wait=False, Python 3.11's exit hook could wake it on a closed pipe and print
            # "OSError: [Errno 9] Bad file descriptor" after a finished batch; seen once). Files
            # still pending (a broken pool, or the caller stopped early) are not waited for.
            ex.shutdown(wait=not pending, cancel_futures=True)


def run_dask(
    jobs: list[Job], questions: dict, options, scheduler: str, workers: int, write_page: PageWriter | None = None
) -> Iterator[Row]:
    """On a Dask cluster: ``scheduler`` is "local" (a LocalCluster of ``workers`` processes, one
    thread each) or the address of a running scheduler ("tcp://host:8786"). The cluster reruns a
    task whose worker died on another worker; results come back as they finish, each once.
    Workers write the HTML pages themselves: on a remote cluster ``write_page``'s folder must be one
    they share, as the recordings are."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="15s")
    except OSError as e:
        raise BatchInputError(
            f"cannot reach the Dask scheduler at {scheduler} ({' '.join(str(e).split())[:120]})"
        ) from e
    try:
        futures = {client.submit(score_job, j, questions[j.question], options, write_page, pure=False): j for j in jobs}
        for f in as_completed(futures):
            j = futures[f]
            try:
                yield f.result()
            except Exception as e:  # KilledWorker after repeated worker deaths, or a lost connection
                yield row_failed(j, f"the cluster could not score it: {type(e).__name__}: {e}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
