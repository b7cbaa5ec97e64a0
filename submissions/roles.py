"""The editor's role, as an account holds it. Today every active staff user holds it for
every venue; the venues issue makes it a role per venue. Whether an editor edits a given
paper is ``submissions.access``'s to say."""

from django.contrib.auth.models import AbstractBaseUser


def is_editor(user: AbstractBaseUser | None) -> bool:
    return bool(user is not None and user.is_active and getattr(user, "is_staff", False))
