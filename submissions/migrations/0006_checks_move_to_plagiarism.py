"""The check's columns move to the plagiarism app (its ``Check``, filled by its 0005)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0005_text_compression_lz4"),
        ("plagiarism", "0005_checks"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="submission",
            name="submission_unchecked",
        ),
        migrations.RemoveField(
            model_name="submission",
            name="checked_at",
        ),
        migrations.RemoveField(
            model_name="submission",
            name="plagiarism_error",
        ),
        migrations.RemoveField(
            model_name="submission",
            name="plagiarism_flagged",
        ),
        migrations.RemoveField(
            model_name="submission",
            name="similarity_score",
        ),
        migrations.RemoveField(
            model_name="version",
            name="checked_at",
        ),
        migrations.RemoveField(
            model_name="version",
            name="plagiarism_error",
        ),
        migrations.RemoveField(
            model_name="version",
            name="plagiarism_flagged",
        ),
        migrations.RemoveField(
            model_name="version",
            name="similarity_score",
        ),
    ]
