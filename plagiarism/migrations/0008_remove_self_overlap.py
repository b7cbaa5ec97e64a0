"""``kind`` says whose text a source is; ``self_overlap`` is gone."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("plagiarism", "0007_source_kinds")]

    operations = [migrations.RemoveField(model_name="reportsource", name="self_overlap")]
