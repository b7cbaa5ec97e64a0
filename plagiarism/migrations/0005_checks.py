"""Plagiarism keeps its own record of each version's check (``Check``), which the
submissions app kept in columns of ``Submission`` and ``Version`` until now: copied here
from the versions, before submissions drops its columns (its 0006)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def copy_checks(apps, schema_editor):
    Version = apps.get_model("submissions", "Version")
    Check = apps.get_model("plagiarism", "Check")
    Report = apps.get_model("plagiarism", "Report")
    latest = {}
    for report in Report.objects.order_by("checked_at"):
        latest[report.submission_id, report.paper_version] = report
    rows = Version.objects.values_list(
        "submission_id",
        "number",
        "similarity_score",
        "plagiarism_flagged",
        "checked_at",
        "plagiarism_error",
        "created_at",
    )
    checks = []
    for pk, number, score, flagged, checked_at, error, created_at in rows.iterator():
        report = latest.get((pk, number))
        state = "done" if checked_at else "failed" if error else "waiting"
        checks.append(
            Check(
                submission_id=pk,
                paper_version=number,
                state=state,
                score=score,
                flagged=flagged,
                error=(report.error if report is not None and report.error else error),
                report=report if state == "done" else None,
                created_at=created_at,
                checked_at=checked_at,
            )
        )
    Check.objects.bulk_create(checks, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("plagiarism", "0004_report_per_version"),
        ("submissions", "0005_text_compression_lz4"),
    ]

    operations = [
        migrations.CreateModel(
            name="Check",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("submission_id", models.UUIDField()),
                ("paper_version", models.PositiveIntegerField()),
                (
                    "state",
                    models.CharField(
                        choices=[("waiting", "waiting"), ("done", "done"), ("failed", "failed")],
                        default="waiting",
                        max_length=10,
                    ),
                ),
                (
                    "score",
                    models.FloatField(blank=True, help_text="of the report in force", null=True),
                ),
                ("flagged", models.BooleanField(blank=True, null=True)),
                (
                    "error",
                    models.TextField(blank=True, help_text="why it failed, for editors only"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, help_text="waiting since"
                    ),
                ),
                ("checked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "report",
                    models.ForeignKey(
                        blank=True,
                        help_text="the report in force: the check's own, or an editor's re-score of it",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="plagiarism.report",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("state", "waiting")),
                        fields=["created_at"],
                        name="check_waiting",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("submission_id", "paper_version"),
                        name="one_check_per_paper_version",
                    )
                ],
            },
        ),
        migrations.RunPython(copy_checks, migrations.RunPython.noop),
    ]
