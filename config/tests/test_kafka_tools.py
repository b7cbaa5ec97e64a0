"""Operators' Kafka tools (ops/kafka.sh) against the real broker: list, watch, skip."""

import subprocess

import pytest
from django.conf import settings

from contracts.topics import Topic, topic_name
from harness import ROOT
from outbox.kafka import kafka_producer


def kafka_tool(*args: str) -> str:
    result = subprocess.run(
        ["ops/kafka.sh", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "KAFKA_BOOTSTRAP_SERVERS": settings.KAFKA_BOOTSTRAP_SERVERS[0],
        },
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.django_db
def test_operators_list_watch_and_skip_past_a_message(kafka_topics):
    topic = topic_name(Topic.PAPER_UPLOADED)
    producer = kafka_producer()
    for n in range(2):
        producer.send(topic, key=b"same-key", value=f'{{"n": {n}}}'.encode(), partition=0).get(30)
    producer.close()

    assert topic in kafka_tool("topics", "--list").split()
    watched = kafka_tool(
        "console-consumer", "--topic", topic, "--from-beginning", "--max-messages", "2",
        "--property", "print.key=true", "--timeout-ms", "30000",
    )  # fmt: skip
    assert watched.splitlines() == ['same-key\t{"n": 0}', 'same-key\t{"n": 1}']

    # Skip the first message for a group, by hand, as the README says.
    group = f"{settings.KAFKA_TOPIC_PREFIX}notifications"
    kafka_tool(
        "consumer-groups", "--group", group, "--topic", f"{topic}:0",
        "--reset-offsets", "--to-offset", "1", "--execute",
    )  # fmt: skip
    described = kafka_tool("consumer-groups", "--describe", "--group", group)
    (row,) = [line.split() for line in described.splitlines() if line.startswith(group)]
    assert row[1:5] == [topic, "0", "1", "2"]  # topic, partition, committed offset, end
