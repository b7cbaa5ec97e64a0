from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from kafka.errors import KafkaError

from contracts.topics import Topic, dead_letter_topic_name, topic_name
from outbox.selectors import (
    consumer_group_lag,
    dead_letter_counts,
    outbox_backlog,
    topic_message_counts,
)


class Command(BaseCommand):
    help = (
        "Show the unsent outbox backlog and its oldest row, dead letters, and each consumer "
        "group's lag per topic."
    )

    def handle(self, *args, **options):
        backlog = outbox_backlog()
        age = (
            f"{(timezone.now() - backlog.oldest_unsent_at).total_seconds():.1f}s"
            if backlog.oldest_unsent_at
            else "-"
        )
        self.stdout.write(f"outbox: unsent={backlog.unsent} oldest_unsent_age={age}")

        letters = dead_letter_counts()
        self.stdout.write(f"dead letters not replayed: {sum(row['count'] for row in letters)}")
        for row in letters:
            self.stdout.write(
                f"  group={row['group']} type={row['event_type'] or '?'} "
                f"reason={row['reason']} count={row['count']}"
            )

        topics = [topic_name(topic) for topic in Topic]
        try:
            dead = topic_message_counts([dead_letter_topic_name(t) for t in topics])
            lag = consumer_group_lag(topics)
        except KafkaError as exc:
            raise CommandError(f"outbox_status: cannot read Kafka: {exc}") from exc
        self.stdout.write("dead-letter topics (messages held):")
        for name, count in dead.items():
            self.stdout.write(f"  {name} {count}")
        self.stdout.write("consumer lag:")
        if not lag:
            self.stdout.write("  no consumer group has committed offsets yet")
        for group, per_topic in sorted(lag.items()):
            for topic, behind in per_topic.items():
                self.stdout.write(f"  group={group} topic={topic} lag={behind}")
