"""The Celery application: Redis as broker, configuration from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Which queue each task goes to: checks (CPU-bound, minutes at worst) never share workers
# with email, so a slow check cannot delay mail. Everything else (beat's sweeps, the purge)
# goes to the default queue, which the email workers also serve.
QUEUE_OF_TASK = {
    "plagiarism.check_submission": "checks",
    "plagiarism.check_many": "checks",
    "notifications.send_email": "email",
    "notifications.send_emails": "email",
    "notifications.send_invitation_email": "email",
}


def route_task(name, args, kwargs, options, task=None, **kw) -> dict:
    """Celery router: the queue of ``name`` under ``CELERY_QUEUE_PREFIX`` (read at each
    call, so a test can give its worker queues of its own)."""
    from django.conf import settings

    return {"queue": settings.CELERY_QUEUE_PREFIX + QUEUE_OF_TASK.get(name, "default")}


app.conf.task_routes = (route_task,)


@app.task(name="config.ping")
def ping(value: str) -> dict:
    """Answer from inside a worker: proves the broker round trip (and says who answered)."""
    return {"value": value, "pid": os.getpid()}
