from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import orcid_field
from config.api import ClosedSerializer, absolute
from plagiarism.selectors import check_summary
from plagiarism.serializers import NOT_CHECKED, PlagiarismSummaryOutput, VersionCheckOutput
from submissions.access import edits
from submissions.models import STATUS_CHOICES, Note, Submission, Transition, Version
from submissions.services import steps_for
from submissions.workflow import OPEN_TO_VERSIONS, status_label

EDITORS = "the editors"  # who signs an editor's step for the authors

CHECKLIST = serializers.ListField(
    child=serializers.IntegerField(min_value=1),
    required=False,
    max_length=100,
    help_text="the ids of the submission checklist's items you confirm (GET …/checklist/)",
)


class ChecklistItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    help_text = serializers.CharField()


class _UploadInput(ClosedSerializer):
    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "text" in attrs and len(attrs["text"].encode()) > settings.SUBMISSION_MAX_UPLOAD_BYTES:
            raise serializers.ValidationError({"text": ["the text is larger than allowed"]})
        return attrs


class SubmissionFileInput(_UploadInput):
    """A paper as a file: ``multipart/form-data``."""

    title = serializers.CharField(max_length=300, trim_whitespace=True)
    abstract = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    file = serializers.FileField(
        allow_empty_file=True, max_length=255, help_text="PDF, DOCX, TXT or Markdown"
    )
    checklist = CHECKLIST


class SubmissionTextInput(_UploadInput):
    """A paper as text: ``application/json``."""

    title = serializers.CharField(max_length=300, trim_whitespace=True)
    abstract = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    text = serializers.CharField(allow_blank=True)
    checklist = CHECKLIST


RESPONSE = serializers.CharField(
    required=False,
    allow_blank=True,
    max_length=20000,
    help_text="your letter to the editors: what changed and why",
)


class VersionFileInput(_UploadInput):
    """A new version as a file: ``multipart/form-data``."""

    file = serializers.FileField(
        allow_empty_file=True, max_length=255, help_text="PDF, DOCX, TXT or Markdown"
    )
    response = RESPONSE


class VersionTextInput(_UploadInput):
    """A new version as text: ``application/json``."""

    text = serializers.CharField(allow_blank=True)
    response = RESPONSE


class SubmissionListFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)
    author = serializers.CharField(
        required=False, max_length=150, help_text="editors: the author's username"
    )
    flagged = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="flagged by the check, or not"
    )
    search = serializers.CharField(required=False, max_length=200, help_text="words in the title")


class TransitionInput(ClosedSerializer):
    to = serializers.ChoiceField(
        choices=STATUS_CHOICES, help_text="the status to move the paper to"
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=20000, help_text="to the author"
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=20000, help_text="for editors only"
    )


class WithdrawInput(ClosedSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="told to the editors"
    )


class NoteInput(ClosedSerializer):
    text = serializers.CharField(max_length=20000)


class NoteOutput(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    with_step = serializers.CharField(
        source="transition.to_status", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Note
        fields = ["id", "author", "text", "with_step", "created_at"]


class StepOutput(serializers.Serializer):
    to = serializers.CharField(help_text="the status this step leads to")
    action = serializers.CharField(help_text="the step in words")


class TransitionOutput(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    to_status_label = serializers.SerializerMethodField()

    class Meta:
        model = Transition
        fields = [
            "from_status",
            "to_status",
            "to_status_label",
            "actor",
            "comment",
            "version",
            "created_at",
        ]

    def get_to_status_label(self, transition: Transition) -> str:
        return status_label(transition.to_status)


class SubmissionOutput(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_label = serializers.SerializerMethodField(help_text="the status in plain words")
    file_url = serializers.SerializerMethodField()
    versions_url = serializers.SerializerMethodField()
    plagiarism = serializers.SerializerMethodField(
        help_text="the check of the current version; null while it runs"
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "title",
            "abstract",
            "status",
            "status_label",
            "version",
            "author",
            "original_filename",
            "file_type",
            "file_size",
            "file_url",
            "versions_url",
            "word_count",
            "content_hash",
            "plagiarism",
            "created_at",
            "updated_at",
        ]

    def get_status_label(self, submission: Submission) -> str:
        return status_label(submission.status)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, submission: Submission) -> str | None:
        if not submission.file:
            return None
        return absolute(self.context, "submission-file", submission_id=submission.id)

    @extend_schema_field(serializers.URLField())
    def get_versions_url(self, submission: Submission) -> str:
        return absolute(self.context, "submission-versions", submission_id=submission.id)

    @extend_schema_field(PlagiarismSummaryOutput(allow_null=True))
    def get_plagiarism(self, submission: Submission) -> dict | None:
        summary = check_summary(
            submission_id=submission.pk, paper_version=submission.version, annotated=submission
        )
        if summary is None:
            return None
        return PlagiarismSummaryOutput(summary, context=self.context).data


class SubmissionDetailOutput(SubmissionOutput):
    history = serializers.SerializerMethodField(
        help_text="each step; an editor's is signed “the editors” for anyone but its editors"
    )
    next_steps = serializers.SerializerMethodField(
        help_text="the steps you may take now (adding a version is POST …/versions/)"
    )

    accepts_versions = serializers.SerializerMethodField(
        help_text="whether you may send a new version now (POST …/versions/)"
    )

    class Meta(SubmissionOutput.Meta):
        fields = [*SubmissionOutput.Meta.fields, "history", "next_steps", "accepts_versions"]

    def get_accepts_versions(self, submission: Submission) -> bool:
        request = self.context.get("request")
        return (
            request is not None
            and request.user.pk == submission.author_id
            and submission.status in OPEN_TO_VERSIONS
        )

    @extend_schema_field(TransitionOutput(many=True))
    def get_history(self, submission: Submission) -> list[dict]:
        steps = list(submission.history.all())
        rows = TransitionOutput(steps, many=True).data
        request = self.context.get("request")
        if request is not None and edits(user=request.user, submission=submission):
            return rows
        for row, step in zip(rows, steps, strict=True):
            if step.actor_id is not None and step.actor_id != submission.author_id:
                row["actor"] = EDITORS
        return rows

    @extend_schema_field(StepOutput(many=True))
    def get_next_steps(self, submission: Submission) -> list[dict]:
        request = self.context.get("request")
        user = request.user if request else None
        return [{"to": s.to.value, "action": s.action} for s in steps_for(submission, user)]


class VersionOutput(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    diff_url = serializers.SerializerMethodField()
    plagiarism = serializers.SerializerMethodField(help_text="this version's own check")

    class Meta:
        model = Version
        fields = [
            "number",
            "created_at",
            "word_count",
            "original_filename",
            "file_type",
            "file_size",
            "file_url",
            "content_hash",
            "response",
            "plagiarism",
            "diff_url",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, version: Version) -> str | None:
        if not version.file:
            return None
        return absolute(
            self.context,
            "submission-version-file",
            submission_id=version.submission_id,
            number=version.number,
        )

    @extend_schema_field(VersionCheckOutput())
    def get_plagiarism(self, version: Version) -> dict:
        checks = self.context.get("checks")  # a list's checks, read at once
        summary = (
            checks.get(version.number)
            if checks is not None
            else check_summary(submission_id=version.submission_id, paper_version=version.number)
        )
        return VersionCheckOutput(summary).data if summary else NOT_CHECKED

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_diff_url(self, version: Version) -> str | None:
        if version.number == 1:
            return None
        return absolute(
            self.context,
            "submission-version-diff",
            submission_id=version.submission_id,
            number=version.number,
        )


class ChangeOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["added", "removed", "changed"])
    old_start = serializers.IntegerField(allow_null=True)
    old_end = serializers.IntegerField(allow_null=True)
    old_text = serializers.CharField(allow_blank=True)
    new_start = serializers.IntegerField(allow_null=True)
    new_end = serializers.IntegerField(allow_null=True)
    new_text = serializers.CharField(allow_blank=True)


class DiffOutput(serializers.Serializer):
    version = serializers.IntegerField()
    previous_version = serializers.IntegerField()
    changes = ChangeOutput(many=True)


class PaperAuthorInput(ClosedSerializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    affiliation = serializers.CharField(max_length=300, required=False, allow_blank=True)
    orcid = orcid_field("an ORCID iD such as 0000-0002-1825-0097 (checked by its check digit)")


class PaperAuthorOutput(serializers.Serializer):
    position = serializers.IntegerField(help_text="1 for the first author")
    name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    affiliation = serializers.CharField(allow_blank=True)
    orcid = serializers.CharField(allow_blank=True)
    contact = serializers.BooleanField(help_text="the submitting author, the paper's contact")
    has_account = serializers.BooleanField(
        source="linked", help_text="whether a verified account has this address"
    )
