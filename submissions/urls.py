from django.urls import path

from submissions import apis

urlpatterns = [
    path("auth/register/", apis.UserRegisterApi.as_view(), name="auth-register"),
    path("auth/token/", apis.TokenObtainApi.as_view(), name="auth-token"),
    path("submissions/", apis.SubmissionListCreateApi.as_view(), name="submission-list"),
    path(
        "submissions/<uuid:submission_id>/",
        apis.SubmissionDetailApi.as_view(),
        name="submission-detail",
    ),
    path(
        "submissions/<uuid:submission_id>/file/",
        apis.SubmissionFileApi.as_view(),
        name="submission-file",
    ),
    path(
        "submissions/<uuid:submission_id>/withdraw/",
        apis.SubmissionWithdrawApi.as_view(),
        name="submission-withdraw",
    ),
]
