"""The author site's addresses. Account pages live under /accounts/; notification links and
emails point at the paper pages (``notifications.messages``)."""

from django.contrib.auth import views as auth
from django.urls import path, reverse_lazy

from web.views import accounts, notifications, papers, reviewing

app_name = "web"

PASSWORD_RESET = {
    "template_name": "web/accounts/password_reset.html",
    "email_template_name": "web/accounts/email/password_reset.txt",
    "subject_template_name": "web/accounts/email/password_reset_subject.txt",
    "success_url": reverse_lazy("web:password-reset-sent"),
    "form_class": accounts.PasswordResetForm,
}

urlpatterns = [
    path("", papers.home, name="home"),
    path("papers/", papers.paper_list, name="papers"),
    path("papers/new/", papers.paper_new, name="paper-new"),
    path("papers/<uuid:submission_id>/", papers.paper_detail, name="paper"),
    path("papers/<uuid:submission_id>/report/", papers.paper_report, name="paper-report"),
    path("papers/<uuid:submission_id>/revise/", papers.paper_revise, name="paper-revise"),
    path("papers/<uuid:submission_id>/withdraw/", papers.paper_withdraw, name="paper-withdraw"),
    path(
        "papers/<uuid:submission_id>/versions/<int:number>/file/",
        papers.version_file,
        name="version-file",
    ),
    path(
        "papers/<uuid:submission_id>/versions/<int:number>/diff/",
        papers.version_diff_page,
        name="version-diff",
    ),
    path(
        "papers/<uuid:submission_id>/authors/", papers.paper_author_add_page, name="paper-authors"
    ),
    path("reviewing/", reviewing.reviewing, name="reviewing"),
    path(
        "reviewing/invitations/<uuid:invitation_id>/accept/",
        reviewing.invitation_accept_page,
        name="reviewing-accept",
    ),
    path(
        "reviewing/invitations/<uuid:invitation_id>/decline/",
        reviewing.invitation_decline_page,
        name="reviewing-decline",
    ),
    path(
        "reviewing/<uuid:submission_id>/",
        reviewing.reviewing_paper_page,
        name="reviewing-paper",
    ),
    path("reviewing/<uuid:submission_id>/file/", reviewing.reviewing_file, name="reviewing-file"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<uuid:notification_id>/read/",
        notifications.notification_read,
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        notifications.notification_read_all,
        name="notifications-read-all",
    ),
    path("notifications/preferences/", notifications.preferences, name="preferences"),
    # Accounts: Django's own views, in the site's templates.
    path(
        "accounts/login/",
        auth.LoginView.as_view(
            template_name="web/accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path(
        "accounts/password/change/",
        auth.PasswordChangeView.as_view(
            template_name="web/accounts/password_change.html",
            success_url=reverse_lazy("web:password-changed"),
        ),
        name="password-change",
    ),
    path(
        "accounts/password/change/done/",
        auth.PasswordChangeDoneView.as_view(template_name="web/accounts/password_changed.html"),
        name="password-changed",
    ),
    path(
        "accounts/password/reset/",
        accounts.PasswordResetView.as_view(**PASSWORD_RESET),
        name="password-reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth.PasswordResetDoneView.as_view(template_name="web/accounts/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(
            template_name="web/accounts/password_reset_confirm.html",
            success_url=reverse_lazy("web:password-reset-done"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth.PasswordResetCompleteView.as_view(
            template_name="web/accounts/password_reset_done.html"
        ),
        name="password-reset-done",
    ),
    path("accounts/verify/", accounts.email_verification, name="email-verification"),
    path("accounts/verify/<str:token>/", accounts.email_verify_page, name="email-verify"),
    path("accounts/tokens/", accounts.tokens, name="tokens"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/tokens/<int:token_id>/revoke/", accounts.token_revoke, name="token-revoke"),
    path(
        "accounts/tokens/login-token/revoke/",
        accounts.login_token_revoke_page,
        name="login-token-revoke",
    ),
]
