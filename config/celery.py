"""The Celery application: Redis as broker, configuration from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping(value: str) -> dict:
    """Answer from inside a worker: proves the broker round trip (and says who answered)."""
    return {"value": value, "pid": os.getpid()}
