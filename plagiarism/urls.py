from django.urls import path

from plagiarism import apis

urlpatterns = [
    path(
        "submissions/<uuid:submission_id>/report/",
        apis.SubmissionReportApi.as_view(),
        name="submission-report",
    ),
    path(
        "submissions/<uuid:submission_id>/report/pdf/",
        apis.SubmissionReportPdfApi.as_view(),
        name="submission-report-pdf",
    ),
    path(
        "submissions/<uuid:submission_id>/report/rescore/",
        apis.SubmissionReportRescoreApi.as_view(),
        name="submission-report-rescore",
    ),
    path(
        "submissions/<uuid:submission_id>/recheck/",
        apis.SubmissionRecheckApi.as_view(),
        name="submission-recheck",
    ),
]
