"""The notifications API: own notifications only, unread handling, email preferences."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Notification
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_the_list_holds_only_my_notifications_newest_first_with_the_unread_count(
    api, author, other_author
):
    now = timezone.now()
    old = NotificationFactory(user=author, created_at=now - timedelta(days=2))
    new = NotificationFactory(user=author, created_at=now)
    read = NotificationFactory(user=author, created_at=now - timedelta(days=1), read_at=now)
    NotificationFactory(user=other_author)

    body = api.get("/api/notifications/").json()
    assert [n["id"] for n in body["results"]] == [str(new.pk), str(read.pk), str(old.pk)]
    assert body["count"] == 3 and body["unread"] == 2
    first = body["results"][0]
    assert first["subject"] == new.subject and first["read"] is False
    assert first["link"] == new.link and first["kind"] == "received"

    unread = api.get("/api/notifications/?unread=true").json()
    assert [n["id"] for n in unread["results"]] == [str(new.pk), str(old.pk)]
    assert unread["unread"] == 2


def test_an_unread_filter_that_is_not_a_boolean_is_a_400(api):
    response = api.get("/api/notifications/?unread=maybe")
    assert response.status_code == 400
    assert "unread" in response.json()


def test_marking_one_read_changes_only_that_one(api, author):
    first, second = NotificationFactory(user=author), NotificationFactory(user=author)
    response = api.post(f"/api/notifications/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True and response.json()["read_at"]
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert api.get("/api/notifications/").json()["unread"] == 1
    again = api.post(f"/api/notifications/{first.pk}/read/")  # already read: still fine
    assert again.status_code == 200 and again.json()["read_at"] == response.json()["read_at"]


def test_another_authors_notification_cannot_be_marked_read_and_is_a_404(api, other_author):
    theirs = NotificationFactory(user=other_author)
    assert api.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_mine(api, author, other_author):
    NotificationFactory.create_batch(3, user=author)
    theirs = NotificationFactory(user=other_author)
    response = api.post("/api/notifications/read-all/")
    assert response.json() == {"marked": 3, "unread": 0}
    assert not Notification.objects.filter(user=author, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert api.post("/api/notifications/read-all/").json() == {"marked": 0, "unread": 0}


def test_preferences_default_to_every_email_and_can_be_replaced_and_patched(api, author):
    url = "/api/notifications/preferences/"
    reviewing = {"review_invitation": True, "review_reminder": True}  # anyone may review
    everything = {"email": {"received": True, "checked": True, "decision": True} | reviewing}
    assert api.get(url).json() == everything

    wanted = {"email": {"received": False, "checked": True, "decision": True}}
    kept = {"email": wanted["email"] | reviewing}  # a PUT needs the authors' kinds only
    assert api.put(url, wanted, format="json").json() == kept
    assert api.get(url).json() == kept

    response = api.patch(
        url, {"email": {"decision": False, "review_reminder": False}}, format="json"
    )
    assert response.json() == {
        "email": {"received": False, "checked": True, "decision": False}
        | {"review_invitation": True, "review_reminder": False}
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": {"received": False}}, "checked"),  # PUT needs every kind
        ({"email": {"received": False, "checked": True, "decision": True, "spam": True}}, "spam"),
        ({"email": {"received": "perhaps", "checked": True, "decision": True}}, "received"),
        ({"sms": {}}, "sms"),
        ([], "non_field_errors"),
    ],
)
def test_bad_preferences_are_a_400_that_names_the_field_and_change_nothing(api, payload, field):
    url = "/api/notifications/preferences/"
    response = api.put(url, payload, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert api.get(url).json()["email"] == {
        "received": True,
        "checked": True,
        "decision": True,
        "review_invitation": True,
        "review_reminder": True,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/notifications/"),
        ("post", "/api/notifications/read-all/"),
        ("get", "/api/notifications/preferences/"),
    ],
)
def test_without_a_token_every_endpoint_is_a_401(method, path):
    assert getattr(APIClient(), method)(path).status_code == 401
