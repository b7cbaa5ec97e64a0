"""Notifications made before the author site linked to API addresses, which a browser
cannot open; they now open the paper's page (and its report's)."""

from django.db import migrations

TO_SITE = r"""
UPDATE notifications_notification
SET link = regexp_replace(link, '/api/submissions/([0-9a-fA-F-]{36})/', '/papers/\1/')
WHERE link LIKE '%/api/submissions/%'
"""
TO_API = r"""
UPDATE notifications_notification
SET link = regexp_replace(link, '/papers/([0-9a-fA-F-]{36})/', '/api/submissions/\1/')
WHERE link LIKE '%/papers/%'
"""


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_editor_notices")]

    operations = [migrations.RunSQL(TO_SITE, TO_API)]
