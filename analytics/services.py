from datetime import date

from django.db import connection

from analytics.models import DailyEventCount

UPSERT_SQL = f"""
    INSERT INTO {DailyEventCount._meta.db_table} (day, event_type, count) VALUES (%s, %s, 1)
    ON CONFLICT (day, event_type) DO UPDATE SET count = {DailyEventCount._meta.db_table}.count + 1
"""  # noqa: S608 - the table name is ours


def daily_event_count_increment(*, day: date, event_type: str) -> None:
    """Count one event; called once per event id (the consumer runtime dedupes)."""
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_SQL, [day, event_type])
