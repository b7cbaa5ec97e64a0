"""Papers' text is compressed with lz4 instead of PostgreSQL's default pglz: several times
faster to compress, which every upload does for its text twice (the submission's current
text and its version's)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("submissions", "0004_versions_and_notes")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE submissions_submission ALTER COLUMN text SET COMPRESSION lz4; "
            "ALTER TABLE submissions_version ALTER COLUMN text SET COMPRESSION lz4",
            "ALTER TABLE submissions_submission ALTER COLUMN text SET COMPRESSION pglz; "
            "ALTER TABLE submissions_version ALTER COLUMN text SET COMPRESSION pglz",
        )
    ]
