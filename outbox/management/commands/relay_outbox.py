from django.core.management.base import BaseCommand

from outbox.management.signals import stop_on_signals
from outbox.metrics import metrics_serve
from outbox.relay import Relay


class Command(BaseCommand):
    help = (
        "Publish outbox rows to Kafka until SIGTERM (at least once, in order per submission). "
        "Several relays may run at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, help="rows per round (OUTBOX_BATCH_SIZE)")
        parser.add_argument(
            "--max-shards", type=int, help="lease at most this many shards per round"
        )
        parser.add_argument("--metrics-port", type=int, help="serve Prometheus metrics here")

    def handle(self, *args, batch_size, max_shards, metrics_port, **options):
        metrics_serve(metrics_port)
        relay = Relay(batch_size=batch_size, max_shards=max_shards)
        stop_on_signals(relay.stop)
        relay.run()
