from django.apps import AppConfig


class WebConfig(AppConfig):
    """The author site at ``/``: server-rendered pages over the same services as the API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "web"
