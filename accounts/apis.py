"""The accounts API: register, log in for a token, one's own account and profile, and the
confirmation email sent again. One view per operation, thin, over the accounts services."""

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.selectors import email_verified, profile_of
from accounts.serializers import ProfileInput, RegisterInput, TokenInput, TokenOutput, UserOutput
from accounts.services import (
    MailLimited,
    email_verification_send,
    login_token_create,
    profile_update,
    user_register,
)
from config.api import Busy, Conflict


class UserRegisterApi(APIView):
    parser_classes = [JSONParser]
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RegisterInput, responses={201: UserOutput}, tags=["auth"], auth=[])
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data).user
        return Response(user_output(user), status=status.HTTP_201_CREATED)


def user_output(user) -> dict:
    profile = profile_of(user=user)
    return UserOutput(
        {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "email_verified": email_verified(user=user),
            "affiliation": profile.affiliation,
            "orcid": profile.orcid,
        }
    ).data


class UserMeApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses={200: UserOutput}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(user_output(request.user))

    @extend_schema(
        request=ProfileInput,
        responses={200: UserOutput},
        tags=["auth"],
        description=(
            "Change your affiliation or ORCID iD (checked by its check digit). Conflicts of "
            "interest compare affiliations."
        ),
    )
    def patch(self, request: Request) -> Response:
        data = ProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        profile_update(user=request.user, **data.validated_data)
        return Response(user_output(request.user))


class EmailVerificationSendApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=None,
        responses={202: UserOutput},
        tags=["auth"],
        description=(
            "Email the link that confirms your address again (the venue may require a "
            "confirmed address before a first submission). 409 when it is confirmed already; "
            "429 when the address had ACCOUNT_EMAILS_PER_ADDRESS links in the last hour; 503 "
            "when the mail server refused it."
        ),
    )
    def post(self, request: Request) -> Response:
        if email_verified(user=request.user):
            raise Conflict({"detail": "your email address is confirmed already"})
        if not request.user.email:
            raise ValidationError({"email": ["your account has no email address"]})
        try:
            sent = email_verification_send(user=request.user)
        except MailLimited as exc:
            raise Throttled(wait=3600, detail=str(exc)) from exc
        if not sent:
            raise Busy({"detail": "the mail server did not take the email; try again later"})
        return Response(user_output(request.user), status=status.HTTP_202_ACCEPTED)


class TokenObtainApi(APIView):
    parser_classes = [JSONParser]
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, tags=["auth"], auth=[])
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: django-axes marks a locked-out client on it,
        # and its middleware answers 429 for this response.
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise ValidationError({"non_field_errors": ["wrong username or password"]})
        # A token is a login: django-axes resets the failure count, last_login is kept.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response(TokenOutput({"token": login_token_create(user=user)}).data)
