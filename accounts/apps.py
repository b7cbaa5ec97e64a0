from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from accounts.login_limits import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="accounts.login_limits")

        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from accounts.services import password_changed

        pre_save.connect(password_changed, sender=get_user_model(), dispatch_uid="accounts.pw")
