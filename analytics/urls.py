from django.urls import path

from analytics import apis

urlpatterns = [
    path("analytics/summary/", apis.AnalyticsSummaryApi.as_view(), name="analytics-summary"),
]
