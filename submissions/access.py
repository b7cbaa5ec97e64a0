"""Who acts as an editor of a paper: decided here, and nowhere else.

An editor (``roles.is_editor``) edits every paper but those they are in conflict with: one
they wrote or are listed on, or one the reviewers' rules (``submissions.conflicts``: an
institution's email domain or an affiliation shared with an author, papers written with its
authors) keep them from. There they see the paper as its authors do, everywhere: the API,
the admin, the site, notifications, the report's PDF. They take no editorial step on it,
re-score nothing, invite and see no reviewers, and get no editors' notice about it. Each
refusal says which rule, and never which author.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from config.errors import NotPermitted
from submissions.conflicts import (
    PUBLIC_MAIL_DOMAINS,
    Candidate,
    ConflictCode,
    conflicts_among,
    conflicts_of,
    email_domain,
)
from submissions.models import Submission
from submissions.roles import is_editor
from submissions.selectors import papers_possibly_conflicted, submission_get_for

# The rule, in the editor's words: never naming an author.
RULES = {
    ConflictCode.AUTHOR: "you are one of its authors",
    ConflictCode.EMAIL_DOMAIN: "you share an institution's email domain with one of its authors",
    ConflictCode.AFFILIATION: "you share an affiliation with one of its authors",
    ConflictCode.COAUTHOR: "you have written another paper with its authors",
    ConflictCode.DECLARED: "you declared a conflict of interest with it",
}


class EditorConflicted(NotPermitted):
    """An editor asked for an editor's view or step of a paper they are in conflict with."""

    def __init__(self, code: ConflictCode) -> None:
        self.code = code
        super().__init__(
            f"you have a conflict of interest with this paper ({RULES[code]}): you see it as "
            "its authors do, and another editor handles it"
        )


def editor_conflict(*, user: AbstractBaseUser, submission: Submission) -> ConflictCode | None:
    """The rule that keeps this editor from editing the paper (None: none does). Kept on the
    user object for the request, which asks several times."""
    known = user.__dict__.setdefault("_paper_conflicts", {})
    if submission.pk not in known:
        found = conflicts_of(submission=submission, candidate=Candidate(user, user.email))
        known[submission.pk] = found[0].code if found else None
    return known[submission.pk]


def edits(*, user: AbstractBaseUser | None, submission: Submission) -> bool:
    """Whether ``user`` acts as an editor of this paper."""
    return is_editor(user) and editor_conflict(user=user, submission=submission) is None


def editor_required(*, user: AbstractBaseUser | None, submission: Submission) -> None:
    """Refuse anyone but an editor of this paper: ``EditorConflicted`` names the rule to an
    editor in conflict; anyone else gets ``NotPermitted``."""
    if not is_editor(user):
        raise NotPermitted("only an editor can do this")
    code = editor_conflict(user=user, submission=submission)
    if code is not None:
        raise EditorConflicted(code)


def paper_for_editor(*, user: AbstractBaseUser, submission_id) -> Submission | None:
    """The paper for an editor who edits it; None for anyone who is not an editor, as for a
    paper that does not exist (so an author probing editors' addresses learns nothing);
    ``EditorConflicted`` for an editor in conflict with it (they can see it exists)."""
    if not is_editor(user):
        return None
    submission = submission_get_for(user=user, submission_id=submission_id)
    if submission is not None:
        editor_required(user=user, submission=submission)
    return submission


def editors_in_conflict(*, papers: dict, editors: list[tuple[int, str]]) -> set[tuple]:
    """(paper id, editor's user id) of each editor (user id, address) in conflict with each
    paper, for many at once (``papers``: id to its contact's user id)."""
    return set(conflicts_among(papers=papers, users=editors))


def papers_in_conflict(*, user: AbstractBaseUser) -> set:
    """Ids of the papers this editor is in conflict with, for lists (the admin's): papers
    that could be (an author with their account, address, domain or affiliation, or an
    author they wrote with), confirmed by the rules. (A paper whose affiliation matches only
    once normalised is caught on its own page, by ``edits``.)"""
    cached = user.__dict__.get("_papers_in_conflict")
    if cached is None:
        candidates = papers_possibly_conflicted(user=user, domains=institution_domains(user.email))
        cached = {
            paper
            for paper, _ in editors_in_conflict(papers=candidates, editors=[(user.pk, user.email)])
        }
        user.__dict__["_papers_in_conflict"] = cached
    return cached


def institution_domains(email: str) -> list[str]:
    """The domains an address shares an institution with (``conflicts.domains_shared``):
    its own and each parent of two labels or more; none for public mail services."""
    domain = email_domain(email)
    if not domain or domain in PUBLIC_MAIL_DOMAINS:
        return []
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def admin_paper_check(request, submission: Submission) -> None:
    """In the admin: ``PermissionDenied`` (403, naming the rule) for anyone who does not
    edit the paper."""
    try:
        editor_required(user=request.user, submission=submission)
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc


class PaperAdminAccess:
    """For a ModelAdmin of papers or of a paper's rows (``paper_field``: the row's field that
    holds its paper's id, "pk" for the paper itself): lists leave out the papers the editor
    is in conflict with, and a row's own page refuses them."""

    paper_field = "submission_id"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        conflicted = papers_in_conflict(user=request.user)
        if not conflicted:
            return queryset
        return queryset.exclude(**{f"{self.paper_field}__in": conflicted})

    def has_view_permission(self, request, obj=None) -> bool:
        allowed = super().has_view_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        paper_id = getattr(obj, self.paper_field)
        paper = (
            obj if isinstance(obj, Submission) else Submission.objects.filter(pk=paper_id).first()
        )
        return paper is not None and edits(user=request.user, submission=paper)
