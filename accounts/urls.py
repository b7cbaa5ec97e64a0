from django.urls import path

from accounts import apis

urlpatterns = [
    path("auth/register/", apis.UserRegisterApi.as_view(), name="auth-register"),
    path("auth/token/", apis.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/me/", apis.UserMeApi.as_view(), name="auth-me"),
    path("auth/verify-email/", apis.EmailVerificationSendApi.as_view(), name="auth-verify-email"),
]
