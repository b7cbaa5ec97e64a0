"""The author site's pages through Django's test client: who may see what, the refusals,
and that the site and the API apply the same rules."""

import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, EmailVerification
from accounts.services import VERIFY_SALT, _address_digest, verification_link
from contracts.codes import Status
from harness import client_for
from notifications.messages import message_checked, message_decision, message_received
from notifications.models import Notification
from plagiarism.tests.factories import check_recorded, prose
from submissions.models import ChecklistItem, Submission
from submissions.services import submission_create, submission_transition
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Tall-ships-at-dawn-7"


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def paper_of(user, title="A paper", words=200) -> Submission:
    return submission_create(author=user, title=title, text=prose(hash(title) % 1000, words))


def test_every_page_asks_for_a_login_first_and_returns_there():
    paper = paper_of(UserFactory())
    for path in [
        "/papers/",
        "/papers/new/",
        f"/papers/{paper.pk}/",
        f"/papers/{paper.pk}/report/",
        "/notifications/",
        "/notifications/preferences/",
        "/accounts/tokens/",
        "/accounts/password/change/",
    ]:
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_another_authors_paper_is_a_404_page_on_every_address(author, other_author):
    theirs = paper_of(other_author, title="Their secret title")
    browser = browser_for(author)
    for path in [
        f"/papers/{theirs.pk}/",
        f"/papers/{theirs.pk}/report/",
        f"/papers/{theirs.pk}/revise/",
        f"/papers/{theirs.pk}/withdraw/",
        f"/papers/{theirs.pk}/versions/1/file/",
        f"/papers/{theirs.pk}/versions/2/diff/",
    ]:
        response = browser.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("text/html")
        assert b"Page not found" in response.content
        assert b"Their secret title" not in response.content
    assert browser.post(f"/papers/{theirs.pk}/withdraw/", {"confirm": "yes"}).status_code == 404
    assert Submission.objects.get(pk=theirs.pk).status == Status.SUBMITTED


def test_an_editor_sees_only_their_own_papers_on_the_site(author):
    theirs = paper_of(author)
    assert browser_for(EditorFactory()).get(f"/papers/{theirs.pk}/").status_code == 404


def test_an_unknown_address_is_the_sites_404_page_and_the_apis_stays_json(author):
    page = browser_for(author).get("/no/such/page/")
    assert page.status_code == 404 and b"<h1>Page not found</h1>" in page.content
    api = Client().get("/api/no/such/")
    assert api.status_code == 404 and api.json() == {"detail": "no such resource"}


def test_a_form_without_its_csrf_token_gets_the_sites_page(author):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(author)
    response = browser.post("/accounts/tokens/", {"name": "x"})
    assert response.status_code == 403
    assert b"Please send the form again" in response.content
    assert not ApiToken.objects.exists()


def test_the_admins_view_site_link_opens_the_site():
    editor = EditorFactory()
    browser = browser_for(editor)
    index = browser.get("/admin/")
    assert b'href="/"' in index.content and b"View site" in index.content
    assert browser.get("/", follow=True).status_code == 200


def test_signing_up_logs_in_and_emails_a_link_that_confirms_the_address():
    browser = Client()
    response = browser.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "email": "ada@example.org",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/papers/"
    (email,) = mail.outbox
    assert email.to == ["ada@example.org"] and email.subject == "Confirm your email address"
    link = re.search(r"http\S+/accounts/verify/\S+/", email.body).group(0)
    claim = signing.loads(link.rstrip("/").rsplit("/", 1)[1], salt=VERIFY_SALT)
    assert "ada" not in str(claim)  # links end up in access logs: no address in them
    path = link.split("127.0.0.1:8000", 1)[-1]
    confirmed = browser.get(path, follow=True)
    assert b"ada@example.org is confirmed" in confirmed.content
    assert EmailVerification.objects.get(user__username="ada").email == "ada@example.org"


def test_sign_up_refusals_say_what_is_wrong_and_make_nothing(author):
    cases = [
        ({"username": author.username, "email": "new@example.org"}, b"this username is taken"),
        ({"username": "newone", "email": author.email.upper()}, b"account with this email"),
        ({"username": "bad name!", "email": "x@example.org"}, b"username"),
        ({"username": "newtwo", "email": "not-an-address"}, b"valid email"),
    ]
    for fields, message in cases:
        response = Client().post(
            "/accounts/signup/", {**fields, "password": PASSWORD, "password2": PASSWORD}
        )
        assert response.status_code == 400 and message in response.content.lower(), fields
    weak = Client().post(
        "/accounts/signup/",
        {
            "username": "newthree",
            "email": "n3@example.org",
            "password": "12345678",
            "password2": "12345678",
        },
    )
    assert weak.status_code == 400 and b"too common" in weak.content.lower()
    assert not mail.outbox


def test_the_api_refuses_an_address_already_in_use(author):
    response = Client().post(
        "/api/auth/register/",
        {"username": "newone", "email": author.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 400 and "email" in response.json()


def test_a_verification_link_forged_expired_or_for_an_old_address_is_refused(author, settings):
    forged = Client().get("/accounts/verify/not-a-token/")
    assert forged.status_code == 400 and b"not valid" in forged.content
    stale = signing.dumps(
        {"user": author.pk, "email": _address_digest("old@example.org")}, salt=VERIFY_SALT
    )
    old = Client().get(f"/accounts/verify/{stale}/")
    assert old.status_code == 400 and b"no longer the account" in old.content
    settings.EMAIL_VERIFICATION_DAYS = -1
    link = verification_link(user=author).split("8000", 1)[-1]
    expired = Client().get(link)
    assert expired.status_code == 400 and b"expired" in expired.content
    assert not EmailVerification.objects.exists()


def test_with_verification_required_the_api_and_the_site_refuse_a_first_paper(author, settings):
    settings.ACCOUNTS_REQUIRE_VERIFIED_EMAIL = True
    api = client_for(author)
    refused = api.post("/api/submissions/", {"title": "T", "text": prose(1, 50)}, format="json")
    assert refused.status_code == 403 and "confirm your email address" in refused.json()["detail"]
    assert api.get("/api/auth/me/").json()["email_verified"] is False
    assert api.post("/api/auth/verify-email/").status_code == 202
    (email,) = mail.outbox
    Client().get(re.search(r"/accounts/verify/\S+/", email.body).group(0))
    assert api.get("/api/auth/me/").json()["email_verified"] is True
    assert api.post("/api/auth/verify-email/").status_code == 409
    created = api.post("/api/submissions/", {"title": "T", "text": prose(1, 50)}, format="json")
    assert created.status_code == 201
    # A changed address must be confirmed again.
    author.email = "moved@example.org"
    author.save()
    again = api.post("/api/submissions/", {"title": "U", "text": prose(2, 50)}, format="json")
    assert again.status_code == 403


def test_editors_see_in_the_admin_whether_an_address_is_verified(author):
    EmailVerification.objects.create(user=author, email=author.email)
    unverified = UserFactory()
    admin = browser_for(EditorFactory())
    verified_list = admin.get("/admin/auth/user/?verified=yes").content.decode()
    assert author.username in verified_list and unverified.username not in verified_list
    unverified_list = admin.get("/admin/auth/user/?verified=no").content.decode()
    assert unverified.username in unverified_list and author.username not in unverified_list


def test_the_checklist_must_be_confirmed_on_the_site_and_through_the_api(author):
    first = ChecklistItem.objects.create(text="Not under review elsewhere", position=1)
    second = ChecklistItem.objects.create(text="Anonymised", position=2)
    ChecklistItem.objects.create(text="Retired", position=3, active=False)
    api = client_for(author)
    listed = api.get("/api/submissions/checklist/").json()
    assert [item["text"] for item in listed] == ["Not under review elsewhere", "Anonymised"]
    paper = {"title": "T", "text": prose(3, 60)}
    missing = api.post("/api/submissions/", paper | {"checklist": [first.pk]}, format="json")
    assert missing.status_code == 400 and "“Anonymised”" in missing.json()["checklist"][0]
    done = api.post(
        "/api/submissions/", paper | {"checklist": [first.pk, second.pk]}, format="json"
    )
    assert done.status_code == 201
    assert Submission.objects.get(pk=done.json()["id"]).checklist == [
        "Not under review elsewhere",
        "Anonymised",
    ]
    browser = browser_for(author)
    form = browser.get("/papers/new/").content.decode()
    assert "Not under review elsewhere" in form and "Retired" not in form
    refused = browser.post(
        "/papers/new/",
        {"title": "Site paper", "file": _file("p.txt", prose(4, 80)), "checklist": [str(first.pk)]},
    )
    assert refused.status_code == 400 and "“Anonymised”" in refused.content.decode()
    assert Submission.objects.filter(author=author).count() == 1


def _file(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


def test_submitting_on_the_site_gives_the_apis_messages(author, settings):
    browser = browser_for(author)
    empty_title = browser.post("/papers/new/", {"title": "", "file": _file("p.txt", "words")})
    assert empty_title.status_code == 400 and b"This field may not be blank." in empty_title.content
    no_file = browser.post("/papers/new/", {"title": "T"})
    assert no_file.status_code == 400 and b"No file was submitted." in no_file.content
    exe = browser.post("/papers/new/", {"title": "T", "file": _file("x.exe", "MZ\x90\x00")})
    assert exe.status_code == 400 and b"PDF, DOCX, TXT or Markdown" in exe.content
    settings.SUBMISSION_MAX_UPLOAD_BYTES = 1000
    big = browser.post("/papers/new/", {"title": "T", "file": _file("p.txt", "word " * 400)})
    assert big.status_code == 413 and b"larger than" in big.content
    assert not Submission.objects.filter(author=author).exists()
    settings.SUBMISSION_MAX_UPLOAD_BYTES = 1024 * 1024
    made = browser.post("/papers/new/", {"title": "Tides", "file": _file("p.txt", prose(5, 90))})
    paper = Submission.objects.get(author=author)
    assert made.status_code == 302 and made["Location"] == f"/papers/{paper.pk}/"


def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(author, settings):
    settings.SUBMISSION_MAX_UPLOAD_BYTES = 10
    response = browser_for(author).post(
        "/papers/new/", {"title": "T", "file": _file("p.txt", "w" * (1024 * 1024 + 100))}
    )
    assert response.status_code == 413 and b"This file is too large" in response.content


def test_the_paper_page_shows_comments_to_the_author_and_never_editors_notes(author):
    paper = paper_of(author, title="Tides")
    check_recorded(paper, score=0.12, flagged=False)
    editor = EditorFactory(username="chief-editor")
    submission_transition(submission=paper, to_status=Status.UNDER_REVIEW, actor=editor)
    submission_transition(
        submission=paper,
        to_status=Status.REVISION_REQUESTED,
        actor=editor,
        comment="Add the 1890 records.",
        note="Secret: reviewer 2 was harsh.",
    )
    page = browser_for(author).get(f"/papers/{paper.pk}/").content.decode()
    assert "Revision requested" in page and "Add the 1890 records." in page
    assert "reviewer 2 was harsh" not in page and "chief-editor" not in page
    assert "12 %" in page and "Send a revision" in page and "Withdraw" in page


def test_a_revision_is_refused_when_the_workflow_does_not_take_one(author):
    paper = paper_of(author)
    check_recorded(paper, score=0.0)
    submission_transition(submission=paper, to_status=Status.UNDER_REVIEW, actor=EditorFactory())
    browser = browser_for(author)
    assert b"Send a revision" not in browser.get(f"/papers/{paper.pk}/").content
    response = browser.post(f"/papers/{paper.pk}/revise/", {"file": _file("v2.txt", prose(6, 90))})
    assert response.status_code == 409 and "takes no new version" in response.content.decode()
    assert Submission.objects.get(pk=paper.pk).version == 1


def test_withdrawing_needs_the_confirmation_and_tells_the_editors_the_reason(author):
    paper = paper_of(author)
    browser = browser_for(author)
    unconfirmed = browser.post(f"/papers/{paper.pk}/withdraw/", {"reason": "Wrong venue"})
    assert unconfirmed.status_code == 400
    assert Submission.objects.get(pk=paper.pk).status == Status.SUBMITTED
    done = browser.post(
        f"/papers/{paper.pk}/withdraw/", {"reason": "Wrong venue", "confirm": "yes"}
    )
    assert done.status_code == 302
    paper.refresh_from_db()
    assert paper.status == Status.WITHDRAWN
    assert paper.history.last().comment == "Wrong venue"
    again = browser.post(f"/papers/{paper.pk}/withdraw/", {"confirm": "yes"})
    assert again.status_code == 409


def test_my_papers_lists_only_mine_newest_first_and_filters(author, other_author):
    old, new = paper_of(author, "Old one"), paper_of(author, "New one")
    paper_of(other_author, "Not mine")
    Submission.objects.filter(pk=old.pk).update(status=Status.REJECTED)
    browser = browser_for(author)
    page = browser.get("/papers/").content.decode()
    assert page.index("New one") < page.index("Old one") and "Not mine" not in page
    rejected = browser.get("/papers/?status=rejected").content.decode()
    assert "Old one" in rejected and "New one" not in rejected
    searched = browser.get("/papers/?q=new").content.decode()
    assert "New one" in searched and "Old one" not in searched
    assert browser.get("/papers/?status=bogus&page=x").status_code == 200
    assert new.pk


def test_notifications_unread_first_mark_read_and_all_read(author, other_author):
    paper = paper_of(author, "Tides")
    made = []
    for n, message in enumerate(
        [
            message_received(submission_id=paper.pk, title="Tides"),
            message_checked(submission_id=paper.pk, title="Tides", score=0.1, flagged=False),
            message_decision(
                submission_id=paper.pk, title="Tides", to_status="accepted", comment=""
            ),
        ]
    ):
        made.append(
            Notification.objects.create(
                user=author,
                event_id=f"00000000-0000-0000-0000-00000000000{n}",
                kind=message.kind,
                submission_id=paper.pk,
                subject=message.subject,
                body=message.body,
                link=message.link,
            )
        )
    browser = browser_for(author)
    browser.post(f"/notifications/{made[2].pk}/read/")
    page = browser.get("/notifications/").content.decode()
    # Unread first (newest first among them), then the read one.
    assert page.index(made[1].subject) < page.index(made[0].subject) < page.index(made[2].subject)
    assert "/papers/" in made[0].link and made[1].link.endswith(f"/papers/{paper.pk}/report/")
    theirs = browser_for(other_author).post(f"/notifications/{made[0].pk}/read/")
    assert theirs.status_code == 404
    browser.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=author, read_at__isnull=True).exists()


def test_email_preferences_are_saved_from_the_page(author):
    browser = browser_for(author)
    page = browser.get("/notifications/preferences/").content.decode()
    assert "new submission (editors)" not in page  # an author sees the authors' kinds
    browser.post("/notifications/preferences/", {"email": ["decision"]})
    api = client_for(author).get("/api/notifications/preferences/").json()
    assert api["email"] == {
        "received": False,
        "checked": False,
        "decision": True,
        "review_invitation": False,
        "review_reminder": False,
    }


def test_tokens_are_shown_once_work_on_the_api_and_stop_when_revoked(author, other_author):
    browser = browser_for(author)
    made = browser.post("/accounts/tokens/", {"name": "repository sync"})
    assert made.status_code == 201 and made["Cache-Control"] == "no-store"
    key = re.search(r'id="new-key"[^>]*>(pat_[0-9a-f]{40})<', made.content.decode()).group(1)
    token = ApiToken.objects.get(user=author)
    assert token.key_hash != key and key.startswith(f"pat_{token.prefix}")
    assert key not in browser.get("/accounts/tokens/").content.decode()
    me = Client().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200 and me.json()["username"] == author.username
    # Another user cannot revoke it.
    browser_for(other_author).post(reverse("web:token-revoke", args=[token.pk]))
    assert ApiToken.objects.filter(pk=token.pk).exists()
    browser.post(reverse("web:token-revoke", args=[token.pk]))
    assert Client().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    forged = Client().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token pat_{'0' * 40}")
    assert forged.status_code == 401
    assert browser.post("/accounts/tokens/", {"name": ""}).status_code == 400


def test_the_login_token_from_the_api_is_listed_and_can_be_revoked(author):
    api = client_for(author)  # makes the login token
    assert api.get("/api/auth/me/").status_code == 200
    browser = browser_for(author)
    assert b"Login token" in browser.get("/accounts/tokens/").content
    browser.post("/accounts/tokens/login-token/revoke/")
    assert api.get("/api/auth/me/").status_code == 401


def test_a_password_reset_email_links_to_the_sites_page(author, settings):
    settings.PUBLIC_BASE_URL = "https://papers.example.org"
    Client().post("/accounts/password/reset/", {"email": author.email})
    (email,) = mail.outbox
    link = re.search(r"https://papers\.example\.org(/accounts/password/reset/\S+/)", email.body)
    assert link
    form = Client().get(link.group(1), follow=True)
    assert b"Choose a new password" in form.content
    # No account, no email, and the same answer.
    answer = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert answer.status_code == 302 and len(mail.outbox) == 1


def test_pages_that_send_email_share_the_apis_rate_limit(monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "2/minute")
    browser = Client()
    answers = [
        browser.post("/accounts/password/reset/", {"email": f"n{n}@example.org"}).status_code
        for n in range(3)
    ]
    assert answers == [302, 302, 429]
    refused = browser.post(
        "/accounts/signup/",
        {"username": "z", "email": "z@example.org", "password": PASSWORD, "password2": PASSWORD},
    )
    assert refused.status_code == 429 and b"Too many requests" in refused.content
    assert refused["Retry-After"]
    assert not mail.outbox


def test_a_browser_opening_an_old_email_link_to_the_api_lands_on_the_page(author):
    paper = paper_of(author)
    html = "text/html,application/xhtml+xml,*/*;q=0.8"
    page = Client().get(f"/api/submissions/{paper.pk}/", HTTP_ACCEPT=html)
    assert page.status_code == 302 and page["Location"] == f"/papers/{paper.pk}/"
    report = Client().get(f"/api/submissions/{paper.pk}/report/", HTTP_ACCEPT=html)
    assert report["Location"] == f"/papers/{paper.pk}/report/"
    # API clients are answered by the API as before.
    assert Client().get(f"/api/submissions/{paper.pk}/").status_code == 401
    api = client_for(author).get(f"/api/submissions/{paper.pk}/", HTTP_ACCEPT=html)
    assert api.status_code == 200 and api.json()["id"] == str(paper.pk)


def test_hostile_query_strings_and_methods_get_pages_not_errors(author):
    paper = paper_of(author)
    browser = browser_for(author)
    assert browser.get("/papers/?q=a%00b&status=%00&page=%00").status_code == 200
    for version in ("%C2%B2", "-1", "0", "99999999999999999999", "x"):
        answer = browser.get(f"/papers/{paper.pk}/report/?version={version}")
        assert answer.status_code in (200, 404), version
    refused = browser.post("/papers/new/", {"title": "T", "checklist": ["\u00b2", "1" * 30]})
    assert refused.status_code == 400
    wrong_method = browser.get("/notifications/read-all/")
    assert wrong_method.status_code == 405 and b"a form" in wrong_method.content
    assert wrong_method["Allow"] == "POST"
    nul_name = browser.post("/accounts/tokens/", {"name": "a\x00b"})
    assert nul_name.status_code == 400 and not ApiToken.objects.exists()
    nul_reason = browser.post(
        f"/papers/{paper.pk}/withdraw/", {"reason": "a\x00b", "confirm": "yes"}
    )
    assert nul_reason.status_code == 400
    assert Submission.objects.get(pk=paper.pk).status == Status.SUBMITTED


def test_password_guessing_on_the_login_page_is_locked_out_with_the_sites_page(author, settings):
    settings.AXES_FAILURE_LIMIT = 3
    browser = Client()
    answers = [
        browser.post(
            "/accounts/login/", {"username": author.username, "password": f"wrong-{n}"}
        ).status_code
        for n in range(4)
    ]
    assert answers[:2] == [200, 200] and answers[-1] == 429
    locked = browser.post("/accounts/login/", {"username": author.username, "password": "x"})
    assert locked.status_code == 429 and b"Too many failed logins" in locked.content
    assert b"reset it by email" in locked.content and locked["Retry-After"]


def test_a_mail_server_refusing_the_link_is_said_and_breaks_nothing(settings):
    from notifications.tests.test_email import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    browser = Client()
    page = browser.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "email": "ada@example.org",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
        follow=True,
    )
    assert page.status_code == 200 and b"could not send the link" in page.content
    resend = browser.post("/accounts/verify/", follow=True)
    assert b"did not take the email" in resend.content
    api = Client().post(
        "/api/auth/register/",
        {"username": "bea", "email": "bea@example.org", "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["email_verified"] is False
