"""The base of every ``manage.py consume_<app>`` command: it only names the group."""

import logging

from django.core.management.base import BaseCommand

from outbox.consumer import ConsumerGroup, ConsumerRunner
from outbox.management.signals import stop_on_signals
from outbox.metrics import metrics_serve

logger = logging.getLogger(__name__)


class ConsumeCommand(BaseCommand):
    group: ConsumerGroup

    @property
    def help(self) -> str:  # type: ignore[override]
        return (
            f"Consume {', '.join(self.group.topics)} as group '{self.group.name}' until SIGTERM; "
            "each event is applied once, failures are retried and then dead-lettered."
        )

    def add_arguments(self, parser):
        parser.add_argument("--metrics-port", type=int, help="serve Prometheus metrics here")

    def handle(self, *args, metrics_port, **options):
        metrics_serve(metrics_port)
        runner = ConsumerRunner(self.group)
        stop_on_signals(runner.stop)
        runner.run()
