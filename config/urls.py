from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from analytics.views import dashboard
from config.views import healthz

handler404 = "config.views.api_aware_not_found"
handler500 = "config.views.api_aware_server_error"
handler403 = "config.views.api_aware_forbidden"
handler400 = "config.views.api_aware_bad_request"

admin.site.site_header = "Paper submissions"
admin.site.site_title = "Paper submissions"
admin.site.index_title = "Editorial office"
admin.site.index_template = "admin/index_with_dashboard.html"

urlpatterns = [
    path(
        "admin/analytics/dashboard/",
        admin.site.admin_view(dashboard),
        name="analytics-dashboard",
    ),
    path("admin/", admin.site.urls),
    path("api/", include("accounts.urls")),
    path("api/", include("submissions.urls")),
    path("api/", include("plagiarism.urls")),
    path("api/", include("notifications.urls")),
    path("api/", include("analytics.urls")),
    path("api/", include("reviews.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Its script served apart from the page (?script), as the Content-Security-Policy needs.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="web/swagger_ui.html"),
        name="swagger-ui",
    ),
    path("healthz", healthz, name="healthz"),
    path("", include("web.urls")),
]
