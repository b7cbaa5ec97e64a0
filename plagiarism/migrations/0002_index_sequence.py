from django.db import migrations, models


class Migration(migrations.Migration):
    """The order in which papers enter the index, from a PostgreSQL sequence: a check
    compares the last value it saw with what is there when it commits."""

    dependencies = [("plagiarism", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE plagiarism_index_sequence",
            reverse_sql="DROP SEQUENCE plagiarism_index_sequence",
        ),
        migrations.AddField(
            model_name="indexedpaper",
            name="sequence",
            field=models.BigIntegerField(
                db_index=True,
                default=0,
                help_text="order of indexing: tells a check what was added meanwhile",
            ),
            preserve_default=False,
        ),
    ]
