from plagiarism.models import Report


def report_for(*, submission_id) -> Report | None:
    """The latest report of a submission, with its sources and passages."""
    return (
        Report.objects.filter(submission_id=submission_id)
        .prefetch_related("sources__passages")
        .order_by("-checked_at")
        .first()
    )
