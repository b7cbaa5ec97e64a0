from celery import shared_task

from reviews.services import reminders_send


@shared_task(name="reviews.send_reminders")
def send_reminders() -> int:
    """Periodic (Celery beat): remind reviewers before their due date and when overdue."""
    return reminders_send()
