from django.core.management.base import BaseCommand, CommandError
from kafka.errors import KafkaError
from tqdm import tqdm

from outbox.kafka import kafka_producer
from outbox.services import dead_letter_replay, dead_letters_for_replay


class Command(BaseCommand):
    help = (
        "Send dead letters back to the topic they came from, once their cause is fixed: all of "
        "them, or those of one group, event type or event id."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every dead letter not replayed")
        parser.add_argument("--group", help="only this consumer group's (e.g. notifications)")
        parser.add_argument("--type", dest="event_type", help="only this event type")
        parser.add_argument("--event-id", help="only this event")
        parser.add_argument("--dry-run", action="store_true", help="list, send nothing")

    def handle(self, *args, all, group, event_type, event_id, dry_run, **options):
        if not (all or group or event_type or event_id):
            raise CommandError("say which: --all, or --group, --type and/or --event-id")
        letters = list(
            dead_letters_for_replay(group=group, event_type=event_type, event_id=event_id)
        )
        if dry_run:
            for letter in letters:
                self.stdout.write(
                    f"{letter.event_id or '-'} group={letter.group} type={letter.event_type} "
                    f"topic={letter.topic} reason={letter.reason} error={letter.error[:120]}"
                )
            self.stdout.write(f"{len(letters)} dead letters would be replayed")
            return
        if not letters:
            self.stdout.write("no dead letters to replay")
            return
        try:
            producer = kafka_producer(client_id="dead-letter-replay")
        except KafkaError as exc:
            raise CommandError(f"replay_dead_letters: cannot reach Kafka: {exc}") from exc
        replayed = 0
        try:
            for letter in tqdm(letters, desc="replaying", unit="event", disable=None):
                dead_letter_replay(letter=letter, producer=producer)
                replayed += 1
        except KafkaError as exc:
            raise CommandError(
                f"replay_dead_letters: stopped after {replayed} of {len(letters)}: {exc}"
            ) from exc
        finally:
            producer.close(timeout=10)
        self.stdout.write(f"replayed {replayed} dead letters")
