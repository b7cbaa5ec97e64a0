from django.http import HttpRequest

from notifications.selectors import unread_count


def site(request: HttpRequest) -> dict:
    """What every page's header shows: the unread notifications' count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/admin/"):
        return {}
    return {"unread_notifications": unread_count(user=user)}
