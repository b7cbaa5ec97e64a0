from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from submissions.models import Status, Submission, Transition


class ClosedSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not know, rather than ignoring them."""

    def validate(self, attrs):
        unknown = sorted(set(getattr(self, "initial_data", {})) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        return attrs


class RegisterInput(ClosedSerializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    def validate_username(self, value: str) -> str:
        if get_user_model().objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("this username is taken")
        return value


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()


class TokenInput(ClosedSerializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class SubmissionCreateInput(ClosedSerializer):
    title = serializers.CharField(max_length=300, trim_whitespace=True)
    abstract = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    file = serializers.FileField(required=False, allow_empty_file=True, max_length=255)
    text = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        has_file, has_text = "file" in attrs, "text" in attrs
        if has_file == has_text:
            raise serializers.ValidationError(
                {"file": ["send a file (multipart) or the text (JSON), one of the two"]}
            )
        if has_text and len(attrs["text"].encode()) > settings.SUBMISSION_MAX_UPLOAD_BYTES:
            raise serializers.ValidationError({"text": ["the text is larger than allowed"]})
        return attrs


class SubmissionListFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)


class TransitionOutput(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Transition
        fields = ["from_status", "to_status", "actor", "comment", "created_at"]


class PlagiarismSummaryOutput(serializers.Serializer):
    similarity_score = serializers.FloatField(allow_null=True)
    flagged = serializers.BooleanField(source="plagiarism_flagged", allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(source="plagiarism_error")
    report_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_report_url(self, submission: Submission) -> str | None:
        if submission.checked_at is None:
            return None
        path = reverse("submission-report", kwargs={"submission_id": submission.id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class SubmissionOutput(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    file_url = serializers.SerializerMethodField()
    plagiarism = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "title",
            "abstract",
            "status",
            "author",
            "original_filename",
            "file_type",
            "file_size",
            "file_url",
            "word_count",
            "content_hash",
            "plagiarism",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, submission: Submission) -> str | None:
        if not submission.file:
            return None
        path = reverse("submission-file", kwargs={"submission_id": submission.id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(PlagiarismSummaryOutput(allow_null=True))
    def get_plagiarism(self, submission: Submission) -> dict | None:
        if submission.checked_at is None and not submission.plagiarism_error:
            return None
        return PlagiarismSummaryOutput(submission, context=self.context).data


class SubmissionDetailOutput(SubmissionOutput):
    history = TransitionOutput(many=True, read_only=True)

    class Meta(SubmissionOutput.Meta):
        fields = [*SubmissionOutput.Meta.fields, "history"]
