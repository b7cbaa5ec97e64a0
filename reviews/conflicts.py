"""Conflicts of interest between a reviewer and a paper's authors, each with its reason.

A reviewer is in conflict with a paper when they are one of its authors, share an email
domain with one (public mail services excepted: thousands share gmail.com), share an
affiliation with one, have been listed as an author with one on another paper, or declared
a conflict with this paper themselves. The editor sees every reason and may override them
with a recorded justification (``reviews.services.invitation_create``).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser

from accounts.selectors import profile_of
from submissions.models import PaperAuthor
from submissions.selectors import author_list, authorships_of, papers_coauthored

# Addresses anyone can have: sharing one of these domains says nothing of a conflict.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "126.com", "163.com", "aol.com", "fastmail.com", "gmail.com", "gmx.com", "gmx.de",
        "gmx.net", "googlemail.com", "hotmail.com", "hotmail.co.uk", "icloud.com", "live.com",
        "mac.com", "mail.com", "mail.ru", "me.com", "msn.com", "outlook.com", "pm.me",
        "proton.me", "protonmail.com", "qq.com", "sina.com", "tutanota.com", "web.de",
        "yahoo.co.uk", "yahoo.com", "yahoo.fr", "yandex.com", "yandex.ru", "zoho.com",
    }
)  # fmt: skip


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def domains_shared(one: str, other: str) -> bool:
    """The same institution's domain: equal, or one inside the other (cs.uni.edu, uni.edu)."""
    if not one or not other or one in PUBLIC_MAIL_DOMAINS or other in PUBLIC_MAIL_DOMAINS:
        return False
    return one == other or one.endswith("." + other) or other.endswith("." + one)


def affiliation_key(affiliation: str) -> str:
    """An affiliation compared without case, accents, punctuation or a leading "the"."""
    text = unicodedata.normalize("NFKD", affiliation).encode("ascii", "ignore").decode()
    words = re.sub(r"[^\w]+", " ", text.casefold()).split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)


class ConflictCode(StrEnum):
    """Why a reviewer may not review a paper: what the code branches on."""

    AUTHOR = "author"  # one of the paper's authors
    DECLARED = "declared"  # declared a conflict with this paper earlier
    EMAIL_DOMAIN = "email_domain"  # an institution's email domain shared with an author
    AFFILIATION = "affiliation"  # an affiliation shared with an author
    COAUTHOR = "coauthor"  # co-authored another paper with its authors


@dataclass(frozen=True)
class Conflict:
    """One conflict of interest: its code, and the sentence the editor reads."""

    code: ConflictCode
    message: str


@dataclass(frozen=True)
class Candidate:
    """Who is to review: an account, or an address with no verified account yet."""

    user: AbstractBaseUser | None
    email: str


def conflicts_of(
    *, submission, candidate: Candidate, declared: bool = False, as_of: datetime | None = None
) -> list[Conflict]:
    """Every conflict that keeps ``candidate`` from reviewing ``submission``, each with its
    sentence for the editor; empty when there is none. ``declared``: the reviewer declared a
    conflict earlier. ``as_of``: only what the candidate said of themselves before then (their
    affiliation, the papers they listed authors on) counts, so a reviewer who changes their
    details after being invited learns nothing from the answer about the authors."""
    authors = author_list(submission_id=submission.pk)
    user_id = candidate.user.pk if candidate.user is not None else None
    email = (candidate.email or "").lower()
    if user_id == submission.author_id or any(
        (user_id is not None and a.user_id == user_id) or (bool(email) and a.email == email)
        for a in authors
    ):  # the rest would only repeat it
        return [Conflict(ConflictCode.AUTHOR, "they are one of the paper's authors")]
    theirs = [
        authorship
        for authorship in authorships_of(user_id=user_id, email=email)
        if as_of is None or authorship.created_at <= as_of
    ]
    found = [
        Conflict(ConflictCode.DECLARED, "they declared a conflict of interest with this paper")
        if declared
        else None,
        _shared_domain(authors, email),
        _shared_affiliation(authors, candidate, theirs, as_of),
        _coauthored(authors, theirs, submission.pk),
    ]
    return [conflict for conflict in found if conflict is not None]


def _shared_domain(authors: list[PaperAuthor], email: str) -> Conflict | None:
    domain = email_domain(email)
    for author in authors:
        if domains_shared(domain, email_domain(author.email)):
            return Conflict(
                ConflictCode.EMAIL_DOMAIN,
                f"they share the email domain {domain} with the author {author.name}",
            )
    return None


def _shared_affiliation(authors, candidate: Candidate, theirs, as_of) -> Conflict | None:
    """An affiliation of the candidate's (their profile's, or one they gave as an author on
    this platform) that an author of the paper has."""
    affiliations = {affiliation_key(a.affiliation) for a in theirs}
    if candidate.user is not None:
        profile = profile_of(user=candidate.user)
        changed = profile.affiliation_changed_at
        if as_of is None or changed is None or changed <= as_of:
            affiliations.add(affiliation_key(profile.affiliation))
    affiliations.discard("")
    for author in authors:
        if affiliation_key(author.affiliation) in affiliations:
            return Conflict(
                ConflictCode.AFFILIATION,
                f"they share the affiliation “{author.affiliation}” with the author {author.name}",
            )
    return None


def _coauthored(authors, theirs, submission_id) -> Conflict | None:
    """Other papers on the platform the candidate wrote with the paper's authors."""
    their_papers = {a.submission_id for a in theirs} - {submission_id}
    if not their_papers:
        return None
    shared = papers_coauthored(
        users=[a.user_id for a in authors if a.user_id],
        emails=[a.email for a in authors],
        exclude=submission_id,
    )
    together = their_papers & shared
    if not together:
        return None
    papers = "paper" if len(together) == 1 else "papers"
    return Conflict(
        ConflictCode.COAUTHOR,
        f"they have co-authored {len(together)} other {papers} with the paper's authors",
    )
