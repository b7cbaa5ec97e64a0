"""Editors see whether each user's address is verified, their profile (affiliation, ORCID
iD), and the users' API tokens."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef

from accounts.models import ApiToken, EmailVerification, Profile


def _verified_subquery():
    return Exists(
        EmailVerification.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"))
    )


class VerifiedFilter(admin.SimpleListFilter):
    title = "email verified"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(email_is_verified=True)
        if self.value() == "no":
            return queryset.filter(email_is_verified=False)
        return queryset


class ProfileInline(admin.StackedInline):
    model = Profile
    fields = ["affiliation", "orcid"]
    can_delete = False


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    fields = ["name", "prefix", "created_at", "last_used_at"]
    readonly_fields = fields
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a key is shown once, to its owner, on the site


@admin.register(EmailVerification)
class EmailVerificationAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "verified_at"]
    search_fields = ["user__username", "email"]
    readonly_fields = ["user", "email", "verified_at"]

    def has_add_permission(self, request) -> bool:
        return False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "email_verified", "date_joined"]
    list_filter = [*UserAdmin.list_filter, VerifiedFilter]
    inlines = [ProfileInline, ApiTokenInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(email_is_verified=_verified_subquery())

    @admin.display(boolean=True, description="email verified", ordering="email_is_verified")
    def email_verified(self, user) -> bool:
        return bool(user.email) and user.email_is_verified
