from outbox.management.consume import ConsumeCommand
from plagiarism.handlers import GROUP


class Command(ConsumeCommand):
    group = GROUP
