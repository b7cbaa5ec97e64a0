"""gunicorn's hooks for the web process (``--config python:config.gunicorn``)."""


def post_worker_init(worker) -> None:
    """Start the worker's text-extraction pool as the worker boots, not on its first upload."""
    from submissions.sandbox import pool_warm

    pool_warm()


def worker_exit(server, worker) -> None:
    from submissions.sandbox import pool_close

    pool_close()
