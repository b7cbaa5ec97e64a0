from django.urls import path

from plagiarism import apis

urlpatterns = [
    path(
        "submissions/<uuid:submission_id>/report/",
        apis.SubmissionReportApi.as_view(),
        name="submission-report",
    ),
    path(
        "submissions/<uuid:submission_id>/recheck/",
        apis.SubmissionRecheckApi.as_view(),
        name="submission-recheck",
    ),
]
