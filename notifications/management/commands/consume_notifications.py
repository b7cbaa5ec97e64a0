from notifications.handlers import GROUP
from outbox.management.consume import ConsumeCommand


class Command(ConsumeCommand):
    group = GROUP
