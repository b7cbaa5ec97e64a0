from plagiarism.models import Report


def report_for(*, submission_id, paper_version: int | None = None) -> Report | None:
    """The latest report of one version of a submission (of its latest version checked when
    None), with its sources and passages."""
    reports = Report.objects.filter(submission_id=submission_id)
    if paper_version is not None:
        reports = reports.filter(paper_version=paper_version)
    return (
        reports.prefetch_related("sources__passages")
        .order_by("-paper_version", "-checked_at")
        .first()
    )
