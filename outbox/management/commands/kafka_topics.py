from django.core.management.base import BaseCommand, CommandError
from kafka.errors import KafkaError

from contracts.topics import all_topic_names
from outbox.topic_admin import topics_ensure


class Command(BaseCommand):
    help = (
        "Ensure the event topics and their dead-letter topics exist on Kafka, with the "
        "configured partitions, replication factor and retention."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partitions", type=int, help="partitions for new topics")
        parser.add_argument("--replication-factor", type=int, help="replication for new topics")
        parser.add_argument("--retention-ms", type=int, help="retention.ms for every topic")

    def handle(self, *args, partitions, replication_factor, retention_ms, **options):
        try:
            states = topics_ensure(
                names=all_topic_names(),
                partitions=partitions,
                replication_factor=replication_factor,
                retention_ms=retention_ms,
            )
        except KafkaError as exc:
            raise CommandError(f"kafka_topics: cannot reach or change the broker: {exc}") from exc
        for state in states:
            verb = "created" if state.created else "exists "
            self.stdout.write(
                f"{verb} {state.name:<32} partitions={state.partitions} "
                f"retention_ms={state.retention_ms}"
            )
            if state.warning:
                self.stderr.write(f"warning: {state.name} {state.warning}")
