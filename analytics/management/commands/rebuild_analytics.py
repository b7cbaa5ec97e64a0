from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from kafka.errors import KafkaError
from tqdm import tqdm

from analytics.rebuild import RebuildError, analytics_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every analytics aggregate from the Kafka topics, from the earliest retained "
        "offset, into fresh tables, then swap them in within one transaction while the live "
        "analytics consumer is paused. Safe to run while the system runs."
    )

    def handle(self, *args, **options):
        bar = tqdm(desc="rebuilding analytics", unit="event", disable=None, file=self.stderr)

        def on_total(total: int) -> None:
            bar.total = total
            bar.refresh()

        try:
            report = analytics_rebuild(on_total=on_total, on_progress=bar.update)
        except (RebuildError, KafkaError, DatabaseError) as exc:
            raise CommandError(
                f"rebuild_analytics: {exc}; the live aggregates are unchanged"
            ) from exc
        finally:
            bar.close()
        kinds = ", ".join(f"{name} {n}" for name, n in sorted(report.per_type.items())) or "none"
        self.stdout.write(
            f"rebuilt analytics from {report.events} events ({kinds}) on {report.partitions} "
            f"partitions in {report.seconds:.1f} s: {report.duplicates} duplicates skipped, "
            f"{report.invalid} invalid messages skipped, {report.during_fence} read while the "
            "live consumer was paused; swapped in"
        )
