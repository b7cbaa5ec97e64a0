from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from accounts.login_limits import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="accounts.login_limits")
