from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What authors were told, for editors answering "did I get the email?": read-only."""

    list_display = ["subject", "user", "kind", "created_at", "read_at", "email"]
    list_filter = ["kind", "email", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "user__username", "user__email", "=submission_id"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
