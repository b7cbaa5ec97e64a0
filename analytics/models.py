"""Durable aggregates built from the event topics."""

from django.db import models


class DailyEventCount(models.Model):
    """How many events of each type happened on each day (UTC), each event counted once."""

    day = models.DateField()
    event_type = models.CharField(max_length=100)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "event_type"], name="one_count_per_day_and_type")
        ]
        ordering = ["-day", "event_type"]

    def __str__(self) -> str:
        return f"{self.day} {self.event_type}: {self.count}"
