from celery import shared_task

from outbox.services import outbox_purge_sent


@shared_task(name="outbox.purge_sent")
def purge_sent() -> int:
    """Periodic (Celery beat): keep the outbox from growing forever."""
    return outbox_purge_sent()
