from django.db import migrations

TABLE = "outbox_outboxevent"


class Migration(migrations.Migration):
    """The outbox is a queue: every row is inserted, updated once and deleted. Vacuum and
    analyze it after 2% churn instead of PostgreSQL's default 20%, so dead index entries and
    stale statistics do not build up between the relay's reads."""

    dependencies = [("outbox", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE {TABLE} SET (autovacuum_vacuum_scale_factor = 0.02, "
            "autovacuum_analyze_scale_factor = 0.02)",
            reverse_sql=f"ALTER TABLE {TABLE} RESET (autovacuum_vacuum_scale_factor, "
            "autovacuum_analyze_scale_factor)",
        )
    ]
