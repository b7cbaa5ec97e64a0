"""Which notifications each person also wants by email."""

from notifications.models import Kind, Preference


def preference_get(*, user) -> Preference:
    """A user's preferences; the defaults (every email on) when never set."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def preference_update(*, user, email: dict[str, bool]) -> Preference:
    preference = preference_get(user=user)
    for kind, wanted in email.items():
        setattr(preference, f"email_{Kind(kind).value}", wanted)
    preference.save()
    return preference
