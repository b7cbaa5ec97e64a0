"""The shared consumer runtime: decode, validate, dedupe, retry, dead-letter, commit.

Each app names a group and its handlers (``ConsumerGroup``); ``ConsumerRunner`` does the rest,
composed of small parts with one job each (Sentry's arroyo has the same shape):

- ``apply.Applier``: a run of events in one transaction, each event's effect with its id in
  the group's inbox (``ProcessedEvent``), so an id already there is skipped;
- ``retry.Retrying``: one event's attempts: transient failures (the database away,
  ``RetryLater``) retried for as long as they last, anything else (a bug) retried
  ``CONSUMER_MAX_ATTEMPTS`` times with exponential backoff;
- ``deadletter.DeadLetterSink``: an event that cannot be applied goes to its dead-letter topic,
  with a row operators can replay from; ``limit.DeadLetterLimit`` pauses the consumer instead
  when too many of the last events would;
- ``offsets.Offsets``: the offsets of events whose effects committed, committed to Kafka after;
- ``unreadable.find_unreadable``: the probe for a record the Kafka client cannot parse;
- ``lag.LagGauge``: the lag per topic, as a gauge;
- ``runner.ConsumerRunner``: the loop that joins the group, polls, and composes the above.

Effectively-once: the Kafka offset is committed only after the transaction that applied the
event (and recorded its id) committed, so a crash anywhere redelivers, and a redelivery
changes nothing. Invalid messages (undecodable, unknown type, off-contract) are dead-lettered
at once. Nothing a message carries reaches the database unchecked: text that PostgreSQL
cannot store is off-contract.
"""

from outbox.consumer.group import ConsumerGroup, Handler, RetryLater
from outbox.consumer.runner import ConsumerRunner

__all__ = ["ConsumerGroup", "ConsumerRunner", "Handler", "RetryLater"]
