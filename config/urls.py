from django.contrib import admin
from django.urls import path

from config.views import healthz

admin.site.site_header = "Paper submissions"
admin.site.site_title = "Paper submissions"
admin.site.index_title = "Editorial office"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
