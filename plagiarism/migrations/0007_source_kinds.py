"""A source marked ``self_overlap`` is the author's own earlier paper (kind ``own``), and its
credited share is its credited words over the paper's counted words."""

from django.db import migrations


def kinds_from_self_overlap(apps, schema_editor):
    ReportSource = apps.get_model("plagiarism", "ReportSource")
    ReportSource.objects.filter(self_overlap=True).update(kind="own")
    for source in ReportSource.objects.select_related("report").iterator():
        words = source.report.counted_words
        source.share = source.primary_words / words if words else 0.0
        source.save(update_fields=["share"])


class Migration(migrations.Migration):
    dependencies = [("plagiarism", "0006_attribution_and_rescores")]

    operations = [migrations.RunPython(kinds_from_self_overlap, migrations.RunPython.noop)]
