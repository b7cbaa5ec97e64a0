from django.urls import path

from submissions import apis

urlpatterns = [
    path("submissions/", apis.SubmissionListCreateApi.as_view(), name="submission-list"),
    path("submissions/checklist/", apis.ChecklistApi.as_view(), name="submission-checklist"),
    path(
        "submissions/<uuid:submission_id>/",
        apis.SubmissionDetailApi.as_view(),
        name="submission-detail",
    ),
    path(
        "submissions/<uuid:submission_id>/authors/",
        apis.PaperAuthorsApi.as_view(),
        name="submission-authors",
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
    path(
        "submissions/<uuid:submission_id>/transition/",
        apis.SubmissionTransitionApi.as_view(),
        name="submission-transition",
    ),
    path(
        "submissions/<uuid:submission_id>/notes/",
        apis.SubmissionNotesApi.as_view(),
        name="submission-notes",
    ),
    path(
        "submissions/<uuid:submission_id>/versions/",
        apis.VersionListCreateApi.as_view(),
        name="submission-versions",
    ),
    path(
        "submissions/<uuid:submission_id>/versions/<int:number>/",
        apis.VersionDetailApi.as_view(),
        name="submission-version",
    ),
    path(
        "submissions/<uuid:submission_id>/versions/<int:number>/file/",
        apis.VersionFileApi.as_view(),
        name="submission-version-file",
    ),
    path(
        "submissions/<uuid:submission_id>/versions/<int:number>/diff/",
        apis.VersionDiffApi.as_view(),
        name="submission-version-diff",
    ),
]
