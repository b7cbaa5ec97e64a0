from django.contrib import admin

from notifications.models import AUTHOR_KINDS, EDITOR_KINDS, Notification


class RecipientFilter(admin.SimpleListFilter):
    """An editor's own notices, editors' notices, or what authors were told."""

    title = "recipient"
    parameter_name = "for"

    def lookups(self, request, model_admin):
        return [("me", "me"), ("editors", "editors' notices"), ("authors", "authors")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(user=request.user)
        if self.value() == "editors":
            return queryset.filter(kind__in=EDITOR_KINDS)
        if self.value() == "authors":
            return queryset.filter(kind__in=AUTHOR_KINDS)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What authors were told, for editors answering "did I get the email?", and the editors'
    own notices ("recipient: me"): read-only."""

    list_display = ["subject", "user", "kind", "created_at", "read_at", "email"]
    list_filter = [RecipientFilter, "kind", "email", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "user__username", "user__email", "=submission_id"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
