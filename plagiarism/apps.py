from django.apps import AppConfig


class PlagiarismConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plagiarism"

    def ready(self) -> None:
        from plagiarism.selectors import check_failed
        from submissions.services import condition_register
        from submissions.workflow import Condition

        condition_register(
            condition=Condition.CHECK_FAILED,
            test=lambda submission: check_failed(
                submission_id=submission.pk, paper_version=submission.version
            ),
        )
