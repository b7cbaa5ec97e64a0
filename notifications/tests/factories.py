import uuid

import factory
from django.utils import timezone

from notifications.models import Kind, Notification
from submissions.tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    event_id = factory.LazyFunction(uuid.uuid4)
    kind = Kind.RECEIVED
    submission_id = factory.LazyFunction(uuid.uuid4)
    subject = factory.Sequence(lambda n: f"Your paper has been received: “Paper {n}”")
    body = "We received your paper."
    link = factory.LazyAttribute(lambda o: f"http://testserver/api/submissions/{o.submission_id}/")
    created_at = factory.LazyFunction(timezone.now)
