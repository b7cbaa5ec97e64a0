"""The consumer runtime's parts, each alone: offsets, the dead-letter limit, retries, the lag
gauge (pure logic, with stand-ins for the Kafka client), and the applier against the real
database. The whole runner is tested against the real broker in ``test_consumer.py`` and
``test_poison.py``."""

import uuid

import pytest
from django.db import OperationalError
from django.utils import timezone
from kafka.errors import KafkaError
from kafka.structs import TopicPartition

from contracts.events import PaperUploaded
from outbox.consumer.apply import Applier
from outbox.consumer.group import ConsumerGroup, Paused, RetryLater, Stopped
from outbox.consumer.lag import LagGauge
from outbox.consumer.limit import DeadLetterLimit
from outbox.consumer.offsets import Offsets
from outbox.consumer.retry import Retrying
from outbox.models import ProcessedEvent
from outbox.tests.factories import PaperUploadedFactory
from outbox.wire import ReceivedEvent


class FakeConsumer:
    """What the parts ask of a Kafka consumer, recorded."""

    def __init__(self, *, ends=None, positions=None, fail_commit=False) -> None:
        self.commits: list[dict] = []
        self.ends, self.positions, self.fail_commit = ends or {}, positions or {}, fail_commit

    def commit(self, offsets) -> None:
        if self.fail_commit:
            raise KafkaError("broker gone")
        self.commits.append({tp: o.offset for tp, o in offsets.items()})

    def assignment(self):
        return set(self.ends)

    def end_offsets(self, partitions, timeout_ms):
        return {tp: self.ends[tp] for tp in partitions}

    def position(self, tp):
        return self.positions[tp]


A, B = TopicPartition("t", 0), TopicPartition("t", 1)


def test_offsets_commit_the_next_offset_of_what_is_done_and_forget_it():
    offsets, consumer = Offsets("g"), FakeConsumer()
    offsets.done("t", 0, 4)
    offsets.done("t", 0, 5)
    offsets.done("t", 1, 9)
    offsets.commit(consumer, only={B})
    assert consumer.commits == [{B: 10}] and offsets.pending == {A: 6}
    offsets.commit(consumer)
    assert consumer.commits[-1] == {A: 6} and not offsets
    offsets.commit(consumer)  # nothing left: nothing sent
    assert len(consumer.commits) == 2


def test_a_refused_commit_is_dropped_since_the_inbox_makes_redelivery_harmless():
    offsets = Offsets("g")
    offsets.done("t", 0, 1)
    offsets.commit(FakeConsumer(fail_commit=True))
    assert not offsets


def test_the_dead_letter_limit_pauses_once_the_window_holds_too_many():
    limit, paused = DeadLetterLimit("g", window=10, max_ratio=0.3), []
    for _ in range(3):
        limit.admit("t:0@1", "bad", pause=lambda: paused.append(True))
        limit.dead_lettered()
    with pytest.raises(Paused):
        limit.admit("t:0@4", "bad", pause=lambda: paused.append(True))
    assert limit.paused and paused == [True]


def test_good_events_move_old_dead_letters_out_of_the_window():
    limit = DeadLetterLimit("g", window=4, max_ratio=0.5)
    for _ in range(2):
        limit.dead_lettered()
    for _ in range(3):
        limit.passed()
    limit.admit("t:0@9", "bad", pause=lambda: None)  # one of the two left the window
    assert not limit.paused


def retrying(max_attempts=3, sleeps=None) -> Retrying:
    return Retrying(
        max_attempts=max_attempts,
        backoff_seconds=0.5,
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )


def failing(*errors):
    """An ``apply`` that raises each of ``errors`` in turn, then applies."""
    pending = list(errors)

    def apply() -> bool:
        if pending:
            raise pending.pop(0)
        return True

    return apply


def test_transient_failures_are_waited_out_without_counting_as_attempts():
    sleeps: list[float] = []
    outcome = retrying(max_attempts=2, sleeps=sleeps).attempt(
        failing(OperationalError("down"), RetryLater("smtp"), OperationalError("down")),
        event_id="e",
        event_type="t",
    )
    assert outcome.applied and outcome.failure is None and outcome.attempts == 0
    assert sleeps == [0.5, 0.5, 0.5]


def test_a_bug_is_retried_with_growing_waits_then_given_up():
    sleeps: list[float] = []
    bug = ValueError("handler bug")
    outcome = retrying(max_attempts=3, sleeps=sleeps).attempt(
        failing(bug, bug, bug), event_id="e", event_type="t"
    )
    assert outcome.failure is bug and outcome.attempts == 3 and not outcome.applied
    assert sleeps == [0.5, 1.0]


def test_a_failure_in_a_run_counts_as_the_first_attempt():
    bug = ValueError("in the run")
    outcome = retrying(max_attempts=2).attempt(
        failing(bug), event_id="e", event_type="t", first_failure=bug
    )
    assert outcome.failure is bug and outcome.attempts == 2


def test_a_stop_during_a_wait_ends_the_attempts():
    def stop(seconds: float) -> None:
        raise Stopped

    policy = Retrying(max_attempts=5, backoff_seconds=1, sleep=stop)
    with pytest.raises(Stopped):
        policy.attempt(failing(ValueError("x")), event_id="e", event_type="t")


def test_the_lag_gauge_sums_each_topics_partitions_at_most_every_ten_seconds():
    gauge = LagGauge("g")
    consumer = FakeConsumer(ends={A: 10, B: 7}, positions={A: 4, B: 9})
    assert gauge.report(consumer) == {"t": 6}  # 6 behind on one, none on the other
    assert gauge.report(consumer) is None  # too soon


def received(**fields) -> ReceivedEvent:
    return ReceivedEvent(id=uuid.uuid4(), time=timezone.now(), data=PaperUploadedFactory(**fields))


@pytest.mark.django_db(transaction=True)
def test_a_run_failing_at_one_event_keeps_the_events_before_it_and_names_the_failure():
    bug = ValueError("third event")
    run = [received(), received(), received(), received()]

    def handler(event: ReceivedEvent) -> None:
        if event.id == run[2].id:
            raise bug

    applier = Applier(
        ConsumerGroup(name=f"parts-{uuid.uuid4().hex[:8]}", handlers={PaperUploaded: handler})
    )
    result = applier.run([run[0], run[0], *run[1:]])  # the first one twice
    assert result.outcomes == ["handled", "duplicate", "handled"]
    assert result.failure is bug
    inbox = set(
        ProcessedEvent.objects.filter(group=applier.group.name).values_list("event_id", flat=True)
    )
    assert inbox == {run[0].id, run[1].id}
    assert applier.one(run[0], handler) is False  # already in the inbox


class Gathering:
    """Run hooks as a batching group has them: ids gathered by the handler, sent before the
    commit; ``refuse`` times the sending fails as a broker down would."""

    def __init__(self, refuse: int = 0) -> None:
        self.gathered: list = []
        self.begun: list[list] = []  # each transaction's events
        self.ended = 0
        self.sent: list[list] = []
        self.refuse = refuse

    def begin(self, events: list[ReceivedEvent]) -> None:
        self.gathered = []
        self.begun.append([event.id for event in events])

    def before_commit(self) -> None:
        if self.refuse:
            self.refuse -= 1
            raise RetryLater("broker down")
        self.sent.append(self.gathered)

    def end(self) -> None:
        self.ended += 1


def gathering_group(hooks: Gathering, fail_on=None) -> ConsumerGroup:
    def handler(event: ReceivedEvent) -> None:
        if fail_on is not None and event.id == fail_on:
            raise ValueError("a bug")
        hooks.gathered.append(event.id)

    name = f"parts-{uuid.uuid4().hex[:8]}"
    return ConsumerGroup(name=name, handlers={PaperUploaded: handler}, run_hooks=hooks)


@pytest.mark.django_db(transaction=True)
def test_a_run_sends_one_batch_and_a_rolled_back_run_sends_none():
    run = [received(), received(), received()]
    hooks = Gathering()
    result = Applier(gathering_group(hooks, fail_on=run[2].id)).run(run)
    assert result.outcomes == ["handled", "handled"]
    assert hooks.sent == [[run[0].id, run[1].id]]  # the failed attempt's batch was dropped
    assert hooks.begun == [[e.id for e in run], [run[0].id, run[1].id]]
    assert hooks.ended == 2  # the rolled-back transaction was ended too


@pytest.mark.django_db(transaction=True)
def test_a_batch_the_broker_refuses_rolls_the_whole_run_back_for_the_one_event_path():
    run = [received(), received()]
    hooks = Gathering(refuse=1)
    group = gathering_group(hooks)
    result = Applier(group).run(run)
    assert result.outcomes == [] and result.failure is None  # RetryLater: transient
    assert not ProcessedEvent.objects.filter(group=group.name).exists()
    assert hooks.sent == []
    assert Applier(group).one(run[0], group.handlers[PaperUploaded]) is True
    assert hooks.sent == [[run[0].id]]
