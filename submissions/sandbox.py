"""Text extraction outside the web worker: a pool of worker processes with bounds per file.

A PDF or DOCX is parsed by third-party code on input that anyone may craft; a file that
inflates to gigabytes or makes the parser loop must cost one bounded worker process, never
the web server. Each web worker process keeps a small pool (pebble's ``ProcessPool``, made
on first use, so after gunicorn forked) of long-lived worker processes: no process is spawned
per upload. Each file is bounded three ways:

- wall-clock time (``SUBMISSION_EXTRACT_SECONDS``): pebble kills the worker process and
  starts a fresh one;
- CPU time: ``RLIMIT_CPU`` is set, for each file, to the CPU the worker has used so far plus
  the same number of seconds (a worker that passes it dies of SIGXCPU and is replaced);
- memory (``SUBMISSION_EXTRACT_MEMORY_MB``): ``RLIMIT_AS`` of each worker process, so an
  allocation past it raises ``MemoryError`` in that worker only;

and by ``Caps``: pages, bytes after decompression, words. Every refusal is an
``ExtractionError`` whose ``kind`` the API turns into 413, 422 or 503.
"""

import logging
import multiprocessing
import os
import resource
import threading
import time
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings
from pebble import ProcessExpired, ProcessPool

from submissions.extraction import Caps, Extracted, ExtractionError, extract

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ProcessPool | None = None
_pool_pid: int | None = None


def caps_from_settings() -> Caps:
    return Caps(
        max_pages=settings.SUBMISSION_MAX_PAGES,
        max_decompressed_bytes=settings.SUBMISSION_MAX_DECOMPRESSED_BYTES,
        max_words=settings.SUBMISSION_MAX_WORDS,
    )


def extract_bounded(data: bytes, filename: str) -> Extracted:
    """``extract`` in the pool, within the limits; ``ExtractionError`` for any refusal."""
    seconds = settings.SUBMISSION_EXTRACT_SECONDS
    started = time.monotonic()
    try:
        future = _pool_get().schedule(
            _extract_in_worker,
            args=(data, filename, caps_from_settings(), seconds),
            timeout=seconds,
        )
    except (BrokenProcessPool, RuntimeError) as exc:  # the pool broke: a fresh one next time
        _pool_discard()
        _log_refusal(filename, "pool_broken", started)
        raise ExtractionError("the file readers are restarting: try again", kind="busy") from exc
    try:
        # The task's own timeout runs from when a worker takes it; this one also bounds the
        # wait for a free worker when many uploads arrive at once.
        return future.result(timeout=seconds + settings.SUBMISSION_EXTRACT_QUEUE_SECONDS)
    except ExtractionError:
        raise
    except TimeoutError as exc:  # ours (waiting) or pebble's (the task ran out of time)
        if not future.done() and not future.running():
            future.cancel()
            _log_refusal(filename, "busy", started)
            raise ExtractionError(
                "every file reader is busy: try again in a minute", kind="busy"
            ) from exc
        future.cancel()  # a task past its time is killed by pebble; this is belt and braces
        _log_refusal(filename, "time", started)
        raise ExtractionError(
            f"reading the file took longer than the limit of {seconds:g} s", kind="too_costly"
        ) from exc
    except ProcessExpired as exc:  # killed by SIGXCPU, or by the kernel for memory
        _log_refusal(filename, f"expired:{exc.exitcode}", started)
        raise ExtractionError(
            "reading the file took more CPU time or memory than the limits allow",
            kind="too_costly",
        ) from exc
    except CancelledError as exc:
        raise ExtractionError("every file reader is busy: try again", kind="busy") from exc
    except BrokenProcessPool as exc:
        _pool_discard()
        _log_refusal(filename, "pool_broken", started)
        raise ExtractionError("the file readers are restarting: try again", kind="busy") from exc


def _log_refusal(filename: str, reason: str, started: float) -> None:
    logger.warning(
        "submissions.extraction_refused reason=%s file_type=%s ms=%d",
        reason,
        os.path.splitext(filename)[1][:10] or "-",
        (time.monotonic() - started) * 1000,
    )


def _pool_get() -> ProcessPool:
    """This process's pool, made on first use (after a fork, a fresh one)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid() or not _pool.active:
            _pool = ProcessPool(
                max_workers=settings.SUBMISSION_EXTRACT_WORKERS,
                initializer=_worker_init,
                initargs=(settings.SUBMISSION_EXTRACT_MEMORY_MB * 1024 * 1024,),
                # A fresh interpreter, not a fork of a threaded web worker holding locks.
                context=multiprocessing.get_context("spawn"),
            )
            _pool_pid = os.getpid()
        return _pool


def pool_warm() -> None:
    """Start this process's pool now (gunicorn calls it as each web worker boots), so the
    first uploads do not pay for starting interpreters."""
    pool = _pool_get()
    futures = [pool.schedule(_ready) for _ in range(settings.SUBMISSION_EXTRACT_WORKERS)]
    for future in futures:
        future.result(timeout=60)


def _ready() -> bool:
    return True


def _pool_discard() -> None:
    """Forget a broken pool (its workers keep dying): the next upload starts a fresh one."""
    global _pool
    with _lock:
        broken, _pool = _pool, None
    if broken is not None:
        broken.stop()


def pool_close() -> None:
    global _pool
    with _lock:
        if _pool is not None and _pool_pid == os.getpid():
            _pool.stop()
            _pool.join(timeout=10)
        _pool = None


# -- in the worker process -------------------------------------------------------------------
def _worker_init(max_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    # Below the web server's threads: while files are read, other requests come first.
    os.nice(10)


def _extract_in_worker(data: bytes, filename: str, caps: Caps, cpu_seconds: float) -> Extracted:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    allowed = int(usage.ru_utime + usage.ru_stime + cpu_seconds) + 1
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (allowed, hard))
    try:
        return extract(data, filename, caps)
    except MemoryError:
        raise ExtractionError(
            "reading the file needs more memory than the limit of "
            f"{resource.getrlimit(resource.RLIMIT_AS)[0] // (1024 * 1024)} MB",
            kind="too_costly",
        ) from None
