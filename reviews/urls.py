from django.urls import path

from reviews import apis

urlpatterns = [
    path(
        "submissions/<uuid:submission_id>/invitations/",
        apis.SubmissionInvitationsApi.as_view(),
        name="submission-invitations",
    ),
    path(
        "submissions/<uuid:submission_id>/invitations/<uuid:invitation_id>/remove/",
        apis.SubmissionInvitationRemoveApi.as_view(),
        name="submission-invitation-remove",
    ),
    path(
        "submissions/<uuid:submission_id>/reviews/",
        apis.SubmissionReviewsApi.as_view(),
        name="submission-reviews",
    ),
    path(
        "submissions/<uuid:submission_id>/reviews/mine/",
        apis.MyReviewApi.as_view(),
        name="submission-review-mine",
    ),
    path("invitations/", apis.InvitationListApi.as_view(), name="invitation-list"),
    path(
        "invitations/<uuid:invitation_id>/accept/",
        apis.InvitationAcceptApi.as_view(),
        name="invitation-accept",
    ),
    path(
        "invitations/<uuid:invitation_id>/decline/",
        apis.InvitationDeclineApi.as_view(),
        name="invitation-decline",
    ),
    path("reviewing/", apis.ReviewingListApi.as_view(), name="reviewing-list"),
    path(
        "reviewing/<uuid:submission_id>/",
        apis.ReviewingDetailApi.as_view(),
        name="reviewing-paper",
    ),
    path(
        "reviewing/<uuid:submission_id>/file/",
        apis.ReviewingFileApi.as_view(),
        name="reviewing-file",
    ),
]
