"""The notifications API: an author's own notifications and email preferences."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import AUTHOR_KINDS, OWN_KINDS, Kind, Notification
from notifications.preferences import preference_get, preference_update
from notifications.selectors import notifications_of, unread_count
from notifications.services import notifications_mark_read
from submissions.roles import is_editor


class NotificationOutput(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "submission_id",
            "subject",
            "body",
            "data",
            "link",
            "created_at",
            "read",
            "read_at",
        ]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationListFilterInput(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=False, help_text="only the unread ones"
    )


class UnreadPagination(PageNumberPagination):
    """A page of notifications, and how many of the user's notifications are unread."""

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["unread"] = unread_count(user=self.request.user)
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["unread"] = {"type": "integer", "example": 3}
        schema["required"] = [*schema.get("required", []), "unread"]
        return schema


class NotificationListApi(GenericAPIView):
    pagination_class = UnreadPagination
    serializer_class = NotificationOutput

    @extend_schema(
        parameters=[NotificationListFilterInput],
        responses={200: NotificationOutput(many=True)},
        tags=["notifications"],
        description="Your notifications, newest first, with the number still unread.",
    )
    def get(self, request: Request) -> Response:
        filters = NotificationListFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notifications = notifications_of(
            user=request.user, unread_only=filters.validated_data["unread"]
        )
        page = self.paginate_queryset(notifications)
        return self.get_paginated_response(NotificationOutput(page, many=True).data)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses={200: NotificationOutput}, tags=["notifications"])
    def post(self, request: Request, notification_id) -> Response:
        notification = notifications_of(user=request.user).filter(pk=notification_id).first()
        if notification is None:
            raise Http404("no such notification")
        notifications_mark_read(user=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db()
        return Response(NotificationOutput(notification).data)


class ReadAllOutput(serializers.Serializer):
    marked = serializers.IntegerField(help_text="notifications that were unread until now")
    unread = serializers.IntegerField()


class NotificationReadAllApi(APIView):
    @extend_schema(request=None, responses={200: ReadAllOutput}, tags=["notifications"])
    def post(self, request: Request) -> Response:
        marked = notifications_mark_read(user=request.user)
        output = {"marked": marked, "unread": unread_count(user=request.user)}
        return Response(ReadAllOutput(output).data)


# Refuses fields it does not know: a misspelt preference must not pass as unchanged. (A
# comment, not a docstring: the schema would give it as the description of every input.)
class ClosedSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: 0, "no" or "off" are more likely mistakes than choices."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def _kinds_serializer(name: str, *, partial: bool) -> type[ClosedSerializer]:
    """A switch per kind: the authors' kinds required for a PUT, the editors' always optional
    (they are for staff only)."""
    fields = {
        kind.value: StrictBooleanField(
            required=not partial and kind in AUTHOR_KINDS, help_text=kind.label
        )
        for kind in Kind
    }
    return type(name, (ClosedSerializer,), fields)


EmailPreferences = _kinds_serializer("EmailPreferences", partial=False)
EmailPreferencesChange = _kinds_serializer("EmailPreferencesChange", partial=True)


class PreferencesIO(ClosedSerializer):
    email = EmailPreferences(help_text="which notifications are also sent by email")


class PreferencesChangeInput(ClosedSerializer):
    email = EmailPreferencesChange(required=False, help_text="the kinds to change")


def preferences_output(preference, user) -> dict:
    """An author sees the authors' kinds; an editor every kind."""
    kinds = list(Kind) if is_editor(user) else OWN_KINDS
    return {"email": {kind.value: preference.wants_email(kind.value) for kind in kinds}}


class PreferencesApi(APIView):
    # JSON only: a form cannot carry the nested object, and DRF would read it as empty.
    parser_classes = [JSONParser]

    @extend_schema(responses={200: PreferencesIO}, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response(preferences_output(preference_get(user=request.user), request.user))

    @extend_schema(
        request=PreferencesIO,
        responses={200: PreferencesIO},
        tags=["notifications"],
        description="Replace your email preferences: every kind must be given.",
    )
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        request=PreferencesChangeInput,
        responses={200: PreferencesIO},
        tags=["notifications"],
        description="Change some of your email preferences.",
    )
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        data = (PreferencesChangeInput if partial else PreferencesIO)(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data.get("email", {})
        preference = preference_update(user=request.user, email=email)
        return Response(preferences_output(preference, request.user))
