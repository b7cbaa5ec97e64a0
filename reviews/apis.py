"""The peer-review API: editors invite, reviewers answer and review, authors read reviews
after the decision. One view per operation, thin, over ``reviews.services``. Anything a
person may not see answers 404, as if it did not exist."""

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import file_response, found
from reviews.selectors import (
    double_blind,
    invitation_of_reviewer,
    invitations_of_reviewer,
    invitations_of_submission,
    review_of_reviewer,
    reviewing_of,
    reviewing_paper,
    reviews_for_authors,
    reviews_for_editors,
)
from reviews.serializers import (
    DeclineInput,
    InvitationEditorOutput,
    InvitationInput,
    InvitationOutput,
    PaperReviewOutput,
    RemoveInput,
    ReviewAuthorOutput,
    ReviewEditorOutput,
    ReviewingDetailOutput,
    ReviewingOutput,
    ReviewInput,
    ReviewOutput,
)
from reviews.services import (
    ReviewFields,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_remove,
    review_save,
)
from submissions.access import edits, paper_for_editor
from submissions.selectors import author_list, submission_get_for


class SubmissionInvitationsApi(GenericAPIView):
    parser_classes = [JSONParser]
    pagination_class = PageNumberPagination
    serializer_class = InvitationEditorOutput

    @extend_schema(
        responses={200: InvitationEditorOutput(many=True)},
        tags=["reviews"],
        description=(
            "Editors: the paper's invitations with their state (pending, accepted, "
            "declined with the reason), whether the review is overdue, and any conflict "
            "overridden."
        ),
    )
    def get(self, request: Request, submission_id) -> Response:
        submission = found(
            paper_for_editor(user=request.user, submission_id=submission_id),
            "no such submission",
        )
        page = self.paginate_queryset(invitations_of_submission(submission_id=submission.pk))
        return self.get_paginated_response(InvitationEditorOutput(page, many=True).data)

    @extend_schema(
        request=InvitationInput,
        responses={201: InvitationEditorOutput},
        tags=["reviews"],
        description=(
            "Editors: invite a reviewer (a username, or an email address, which is sent a "
            "sign-up link) to review the paper by a due date. 409 when the paper is not "
            "under review, the person is invited already, or has a conflict of interest "
            "(``conflicts`` lists each reason; give ``override_conflict`` with your "
            "justification to invite anyway)."
        ),
    )
    def post(self, request: Request, submission_id) -> Response:
        submission = found(
            paper_for_editor(user=request.user, submission_id=submission_id),
            "no such submission",
        )
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = invitation_create(
            submission=submission, editor=request.user, **data.validated_data
        )
        return Response(InvitationEditorOutput(invitation).data, status=status.HTTP_201_CREATED)


class SubmissionInvitationRemoveApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=RemoveInput,
        responses={200: InvitationEditorOutput},
        tags=["reviews"],
        description=(
            "Editors: take a reviewer off the paper, with your reason (kept for the editors). "
            "They no longer read it and are told. 409 when the invitation was declined or "
            "removed already, its round is decided, or their review is in."
        ),
    )
    def post(self, request: Request, submission_id, invitation_id) -> Response:
        submission = found(
            paper_for_editor(user=request.user, submission_id=submission_id),
            "no such submission",
        )
        invitation = found(
            invitations_of_submission(submission_id=submission.pk).filter(pk=invitation_id).first(),
            "no such invitation",
        )
        data = RemoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        removed = invitation_remove(
            invitation=invitation, editor=request.user, **data.validated_data
        )
        return Response(InvitationEditorOutput(removed).data)


class InvitationListApi(GenericAPIView):
    pagination_class = PageNumberPagination
    serializer_class = InvitationOutput

    @extend_schema(
        responses={200: InvitationOutput(many=True)},
        tags=["reviews"],
        description="Your invitations to review, newest first.",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(invitations_of_reviewer(user=request.user))
        return self.get_paginated_response(InvitationOutput(page, many=True).data)


def own_invitation(request: Request, invitation_id):
    invitation = invitation_of_reviewer(user=request.user, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("no such invitation")
    return invitation


class InvitationAcceptApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=None,
        responses={200: InvitationOutput},
        tags=["reviews"],
        description="Accept to review the paper by the due date. 409 once answered.",
    )
    def post(self, request: Request, invitation_id) -> Response:
        invitation = own_invitation(request, invitation_id)
        invitation = invitation_accept(invitation=invitation, reviewer=request.user)
        return Response(InvitationOutput(invitation).data)


class InvitationDeclineApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=DeclineInput,
        responses={200: InvitationOutput},
        tags=["reviews"],
        description=(
            "Decline, with a reason for the editor; ``conflict``: true declares a conflict "
            "of interest. 409 once answered."
        ),
    )
    def post(self, request: Request, invitation_id) -> Response:
        invitation = own_invitation(request, invitation_id)
        data = DeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = invitation_decline(
            invitation=invitation,
            reviewer=request.user,
            reason=data.validated_data.get("reason", ""),
            conflict=data.validated_data.get("conflict", False),
        )
        return Response(InvitationOutput(invitation).data)


class ReviewingListApi(GenericAPIView):
    pagination_class = PageNumberPagination
    serializer_class = ReviewingOutput

    @extend_schema(
        responses={200: ReviewingOutput(many=True)},
        tags=["reviews"],
        description="The papers you accepted to review, the earliest due first.",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(reviewing_of(user=request.user))
        return self.get_paginated_response(ReviewingOutput(page, many=True).data)


def reviewed_paper(request: Request, submission_id):
    """The reviewer's accepted invitation to the paper, with it; 404 for anyone else."""
    invitation = reviewing_paper(user=request.user, submission_id=submission_id)
    if invitation is None:
        raise Http404("no such paper")
    return invitation


def reviewing_detail(invitation) -> dict:
    invitation.blind = "double" if double_blind() else "single"
    invitation.authors = None
    if not double_blind():
        invitation.authors = author_list(submission_id=invitation.submission_id)
        for author in invitation.authors:
            author.linked = author.user_id is not None
    invitation.my_review = getattr(invitation, "review", None)
    return ReviewingDetailOutput(invitation).data


class ReviewingDetailApi(APIView):
    @extend_schema(
        responses={200: ReviewingDetailOutput},
        tags=["reviews"],
        description=(
            "A paper you accepted to review: its text (and file in single-blind), your "
            "review so far, and its authors in single-blind only."
        ),
    )
    def get(self, request: Request, submission_id) -> Response:
        return Response(reviewing_detail(reviewed_paper(request, submission_id)))


class ReviewingFileApi(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): bytes},
        tags=["reviews"],
        description="The paper's file, single-blind only (a file's metadata names its authors).",
    )
    def get(self, request: Request, submission_id) -> FileResponse:
        invitation = reviewed_paper(request, submission_id)
        version = invitation.version
        if not version.file or double_blind():
            raise Http404("the file is not shown to reviewers; read the text")
        name = f"paper-{submission_id}-v{version.number}.{version.file_type}"
        return file_response(version.file, name)


class MyReviewApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses={200: ReviewOutput}, tags=["reviews"], description="Your review.")
    def get(self, request: Request, submission_id) -> Response:
        reviewed_paper(request, submission_id)
        review = review_of_reviewer(user=request.user, submission_id=submission_id)
        if review is None:
            raise Http404("you have not written this review yet")
        return Response(ReviewOutput(review).data)

    def _save(self, request: Request, submission_id, *, create: bool) -> Response:
        invitation = reviewed_paper(request, submission_id)
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        draft = fields.pop("draft", False)
        review = review_save(
            submission=invitation.submission,
            reviewer=request.user,
            fields=ReviewFields(**fields),
            submit=not draft,
            create=create,
        )
        return Response(
            ReviewOutput(review).data, status=status.HTTP_201_CREATED if create else 200
        )

    @extend_schema(
        request=ReviewInput,
        responses={201: ReviewOutput},
        tags=["reviews"],
        description=(
            "Write your review (``draft``: true keeps it to yourself). 409 when written "
            "already (use PUT), or once the editors decided."
        ),
    )
    def post(self, request: Request, submission_id) -> Response:
        return self._save(request, submission_id, create=True)

    @extend_schema(
        request=ReviewInput,
        responses={200: ReviewOutput},
        tags=["reviews"],
        description="Change your review, until the editors decide on the paper.",
    )
    def put(self, request: Request, submission_id) -> Response:
        return self._save(request, submission_id, create=False)


class SubmissionReviewsApi(APIView):
    @extend_schema(
        responses={200: PaperReviewOutput(many=True)},
        tags=["reviews"],
        description=(
            "Editors: every submitted review with its reviewer and confidential comments. "
            "The paper's authors: once the editors decided, the comments addressed to them, "
            "the reviewers numbered (ReviewAuthorOutput: reviewer, comments_to_authors, "
            "submitted_at); before that, an empty list."
        ),
    )
    def get(self, request: Request, submission_id) -> Response:
        submission = found(
            submission_get_for(user=request.user, submission_id=submission_id),
            "no such submission",
        )
        if edits(user=request.user, submission=submission):
            reviews = reviews_for_editors(submission_id=submission.pk)
            return Response(ReviewEditorOutput(reviews, many=True).data)
        return Response(
            ReviewAuthorOutput(reviews_for_authors(submission_id=submission.pk), many=True).data
        )
