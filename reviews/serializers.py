from django.urls import reverse
from rest_framework import serializers

from config.api import ClosedSerializer
from reviews.models import Recommendation
from reviews.selectors import invitation_overdue, review_progress
from submissions.serializers import PaperAuthorOutput


class InvitationInput(ClosedSerializer):
    reviewer = serializers.CharField(
        max_length=254, help_text="a username, or an email address (a sign-up link is sent)"
    )
    due = serializers.DateField(help_text="the day the review is due (after today)")
    override_conflict = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="your justification for inviting despite a conflict of interest",
    )


class DeclineInput(ClosedSerializer):
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    conflict = serializers.BooleanField(
        required=False,
        default=False,
        help_text="declining because of a conflict of interest (say which in reason)",
    )


class PaperBriefOutput(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.CharField()


class InvitationOutput(serializers.Serializer):
    """An invitation as its reviewer sees it."""

    id = serializers.UUIDField()
    paper = PaperBriefOutput(source="submission")
    state = serializers.CharField()
    due = serializers.DateField()
    paper_version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    conflict_declared = serializers.BooleanField()
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, invitation) -> bool:
        return invitation_overdue(invitation)


class RemoveInput(ClosedSerializer):
    reason = serializers.CharField(max_length=5000, help_text="why, for the other editors")


class InvitationEditorOutput(InvitationOutput):
    """An invitation as editors see it: who, who invited, the conflicts overridden."""

    reviewer = serializers.CharField(source="reviewer.username", allow_null=True, default=None)
    email = serializers.EmailField()
    invited_by = serializers.CharField(source="invited_by.username", allow_null=True, default=None)
    conflicts = serializers.CharField(allow_blank=True)
    override_justification = serializers.CharField(allow_blank=True)
    removal_reason = serializers.CharField(allow_blank=True)
    removed_at = serializers.DateTimeField(allow_null=True)
    review_submitted_at = serializers.SerializerMethodField()

    def get_review_submitted_at(self, invitation) -> str | None:
        review = getattr(invitation, "review", None)
        if review is None or review.submitted_at is None:
            return None
        return serializers.DateTimeField().to_representation(review.submitted_at)


class ReviewInput(ClosedSerializer):
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    score = serializers.IntegerField(min_value=1, max_value=5)
    confidence = serializers.IntegerField(min_value=1, max_value=5)
    comments_to_authors = serializers.CharField(max_length=50000, required=False, allow_blank=True)
    confidential_comments = serializers.CharField(
        max_length=50000, required=False, allow_blank=True, help_text="for the editors only"
    )
    draft = serializers.BooleanField(
        required=False,
        default=False,
        help_text="save without submitting (nobody else sees a draft); a submitted review "
        "stays submitted",
    )


class ReviewOutput(serializers.Serializer):
    """The reviewer's own review."""

    id = serializers.UUIDField()
    recommendation = serializers.CharField()
    score = serializers.IntegerField()
    confidence = serializers.IntegerField()
    comments_to_authors = serializers.CharField(allow_blank=True)
    confidential_comments = serializers.CharField(allow_blank=True)
    submitted = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def get_submitted(self, review) -> bool:
        return review.submitted_at is not None


class ReviewEditorOutput(ReviewOutput):
    reviewer = serializers.CharField(source="reviewer.username")
    reviewer_email = serializers.EmailField(source="reviewer.email")
    due = serializers.DateField(source="invitation.due")
    paper_version = serializers.IntegerField(source="invitation.paper_version")


class ReviewAuthorOutput(serializers.Serializer):
    reviewer = serializers.CharField(source="label", help_text="“Reviewer 1”, “Reviewer 2”…")
    paper_version = serializers.IntegerField(help_text="the version reviewed")
    comments_to_authors = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()


class ReviewingOutput(serializers.Serializer):
    """A paper the reviewer accepted to review, in the venue's blind mode."""

    invitation = serializers.UUIDField(source="pk")
    id = serializers.UUIDField(source="submission.pk")
    title = serializers.CharField(source="submission.title")
    status = serializers.CharField(source="submission.status")
    due = serializers.DateField()
    overdue = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField(help_text="draft, submitted, or none")
    url = serializers.SerializerMethodField()

    def get_overdue(self, invitation) -> bool:
        return invitation_overdue(invitation)

    def get_review(self, invitation) -> str:
        return review_progress(invitation).value

    def get_url(self, invitation) -> str:
        return reverse("reviewing-paper", kwargs={"submission_id": invitation.submission_id})


class ReviewingDetailOutput(ReviewingOutput):
    abstract = serializers.CharField(source="submission.abstract")
    paper_version = serializers.IntegerField(help_text="the version you were invited to review")
    word_count = serializers.IntegerField(source="version.word_count")
    text = serializers.CharField(source="version.text", help_text="that version's text")
    file_url = serializers.SerializerMethodField(
        help_text="the original file; null in double-blind (files carry names in metadata)"
    )
    blind = serializers.CharField(help_text="double: the authors are not shown; single: they are")
    authors = PaperAuthorOutput(many=True, allow_null=True, help_text="null in double-blind")
    my_review = ReviewOutput(allow_null=True)

    def get_file_url(self, invitation) -> str | None:
        # Double-blind withholds the file: PDF and DOCX files carry their authors' names in
        # their metadata, which the text does not.
        if not invitation.version.file or invitation.blind == "double":
            return None
        return reverse("reviewing-file", kwargs={"submission_id": invitation.submission_id})


class PaperReviewOutput(serializers.Serializer):
    """The schema of ``GET …/reviews/``: what authors are given, and what editors are given
    besides (not present in an author's answer)."""

    reviewer = serializers.CharField(help_text="editors: the username; authors: “Reviewer 1”…")
    paper_version = serializers.IntegerField(help_text="the version reviewed")
    comments_to_authors = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()
    id = serializers.UUIDField(required=False, help_text="editors only")
    recommendation = serializers.CharField(required=False, help_text="editors only")
    score = serializers.IntegerField(required=False, help_text="editors only")
    confidence = serializers.IntegerField(required=False, help_text="editors only")
    confidential_comments = serializers.CharField(required=False, help_text="editors only")
    submitted = serializers.BooleanField(required=False, help_text="editors only")
    updated_at = serializers.DateTimeField(required=False, help_text="editors only")
    reviewer_email = serializers.EmailField(required=False, help_text="editors only")
    due = serializers.DateField(required=False, help_text="editors only")
