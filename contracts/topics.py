"""The Kafka topics of the system, named in exactly one place.

Topic names stay those of the system this one replaces (``paper_uploaded``,
``plagiarism_checked``) plus ``submission_decided``, and peer review's two: ``review_invitations``
(an invitation's life) and ``reviews``. Each has a dead-letter topic beside it
for events a consumer could not handle. ``KAFKA_TOPIC_PREFIX`` (empty in production) lets
tests and shared clusters keep their topics apart without renaming anything.
"""

from enum import StrEnum

from django.conf import settings

DEAD_LETTER_SUFFIX = ".dlq"


class Topic(StrEnum):
    PAPER_UPLOADED = "paper_uploaded"
    PLAGIARISM_CHECKED = "plagiarism_checked"
    SUBMISSION_DECIDED = "submission_decided"
    REVIEW_INVITATIONS = "review_invitations"  # invited, answered, reminded
    REVIEWS = "reviews"  # reviews submitted


def topic_name(topic: Topic) -> str:
    """The name on the broker of ``topic``."""
    return f"{settings.KAFKA_TOPIC_PREFIX}{topic.value}"


def dead_letter_topic_name(topic_on_broker: str) -> str:
    """The dead-letter topic for events read from ``topic_on_broker``."""
    return f"{topic_on_broker}{DEAD_LETTER_SUFFIX}"


def all_topic_names() -> list[str]:
    """Every topic the system needs on the broker: the event topics and their dead letters."""
    names = [topic_name(topic) for topic in Topic]
    return names + [dead_letter_topic_name(name) for name in names]
