"""The Kafka message format, in one place: CloudEvents 1.0, binary content mode.

key = aggregate (submission) id; value = the event's data as JSON; attributes in headers.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import ValidationError

from contracts.events import CLOUDEVENTS_SPEC_VERSION, CONTENT_TYPE, Event, event_class_for

H_ID = "ce_id"
H_TYPE = "ce_type"
H_SOURCE = "ce_source"
H_SPECVERSION = "ce_specversion"
H_TIME = "ce_time"
H_SUBJECT = "ce_subject"
H_CONTENT_TYPE = "content-type"
H_TRACEPARENT = "traceparent"

Headers = list[tuple[str, bytes]]
E = TypeVar("E", bound=Event)


class InvalidMessage(Exception):
    """A message that can never be handled: undecodable, of an unknown type, or off-contract."""


@dataclass(frozen=True)
class ReceivedEvent(Generic[E]):
    """What a handler gets: the validated contract and the envelope's attributes."""

    id: uuid.UUID
    time: datetime
    data: E
    traceparent: str | None = None


def encode_headers(
    *,
    event_id: uuid.UUID | str,
    ce_type: str,
    source: str,
    subject: str,
    time: datetime,
    extra: dict[str, str],
) -> Headers:
    """The headers of one event's Kafka message; its value is the event's data as JSON."""
    headers: Headers = [
        (H_SPECVERSION, CLOUDEVENTS_SPEC_VERSION.encode()),
        (H_ID, str(event_id).encode()),
        (H_TYPE, ce_type.encode()),
        (H_SOURCE, source.encode()),
        (H_TIME, time.isoformat().encode()),
        (H_SUBJECT, subject.encode()),
        (H_CONTENT_TYPE, CONTENT_TYPE.encode()),
    ]
    return headers + [(name, value.encode()) for name, value in extra.items()]


def header_map(headers: Headers | None) -> dict[str, str]:
    """Headers as text, for reading attributes; undecodable header bytes are replaced."""
    return {name: (raw or b"").decode("utf-8", "replace") for name, raw in headers or []}


def storable(text: str) -> str:
    """``text`` as PostgreSQL can store it: NUL and unencodable characters replaced by
    U+FFFD. For what the consumer records about a message it could not trust."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def decode(value: bytes | None, headers: Headers | None) -> ReceivedEvent:
    """Validate a consumed message against its contract, or raise ``InvalidMessage``."""
    attributes = header_map(headers)
    if attributes.get(H_SPECVERSION) != CLOUDEVENTS_SPEC_VERSION:
        raise InvalidMessage(f"not a CloudEvents {CLOUDEVENTS_SPEC_VERSION} message")
    ce_type = attributes.get(H_TYPE, "")
    contract = event_class_for(ce_type)
    if contract is None:
        raise InvalidMessage(f"unknown event type {ce_type!r}")
    try:
        event_id = uuid.UUID(attributes.get(H_ID, ""))
        time = datetime.fromisoformat(attributes.get(H_TIME, ""))
        if time.tzinfo is None:
            raise ValueError("ce_time has no time zone")
        time = time.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidMessage(f"bad ce_id or ce_time: {exc}") from exc
    try:
        data = contract.model_validate_json(value or b"")
    except ValidationError as exc:
        errors = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidMessage(f"{ce_type} fails its schema: {errors}") from exc
    return ReceivedEvent(
        id=event_id, time=time, data=data, traceparent=attributes.get(H_TRACEPARENT)
    )
