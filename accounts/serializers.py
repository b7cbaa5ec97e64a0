"""The accounts API's inputs and outputs: registering, logging in for a token, one's own
account and profile (the ORCID iD's form is checked here, its check digit by the service)."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from config.api import ClosedSerializer


class RegisterInput(ClosedSerializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    email = serializers.EmailField()
    # Django's own minimum (MinimumLengthValidator's default), stated here so the schema says it.
    password = serializers.CharField(
        write_only=True,
        min_length=8,
        max_length=4096,
        style={"input_type": "password"},
        error_messages={
            "min_length": "This password is too short. It must contain at least 8 characters."
        },
    )

    def validate_username(self, value: str) -> str:
        if get_user_model().objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("this username is taken")
        return value


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    email_verified = serializers.BooleanField(
        help_text="whether the address was confirmed through the link emailed to it"
    )
    affiliation = serializers.CharField(allow_blank=True)
    orcid = serializers.CharField(allow_blank=True, help_text="ORCID iD, if given")


ORCID_FORM = r"^(\s*((https?://)?orcid\.org/)?[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9Xx]\s*)?$"


def orcid_field(help_text: str) -> serializers.RegexField:
    """The iD's form (its check digit is the service's to check, with its own message)."""
    return serializers.RegexField(
        ORCID_FORM,
        max_length=40,
        required=False,
        allow_blank=True,
        help_text=help_text,
        error_messages={
            "invalid": "an ORCID iD has the form 0000-0002-1825-0097 (16 digits in groups of "
            "four, the last may be X)"
        },
    )


class ProfileInput(ClosedSerializer):
    affiliation = serializers.CharField(max_length=300, required=False, allow_blank=True)
    orcid = orcid_field("an ORCID iD such as 0000-0002-1825-0097; empty to remove it")


class TokenInput(ClosedSerializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
