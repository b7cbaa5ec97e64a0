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

from accounts.selectors import profile_of, profiles_of
from submissions.models import PaperAuthor
from submissions.selectors import (
    author_list,
    authors_of_papers,
    authorships_of,
    authorships_of_many,
    papers_coauthored,
)

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
class Person:
    """What the rules know of someone: their account, address, affiliations (compared as
    ``affiliation_key``) and the papers they are listed on."""

    user_id: int | None
    email: str
    affiliations: frozenset[str]
    papers: frozenset


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
    theirs = [
        authorship
        for authorship in authorships_of(user_id=user_id, email=email)
        if as_of is None or authorship.created_at <= as_of
    ]
    affiliations = {affiliation_key(a.affiliation) for a in theirs}
    if candidate.user is not None:
        profile = profile_of(user=candidate.user)
        changed = profile.affiliation_changed_at
        if as_of is None or changed is None or changed <= as_of:
            affiliations.add(affiliation_key(profile.affiliation))
    person = Person(
        user_id, email, frozenset(affiliations), frozenset(a.submission_id for a in theirs)
    )
    coauthored = (
        papers_coauthored(
            users=[a.user_id for a in authors if a.user_id],
            emails=[a.email for a in authors],
            exclude=submission.pk,
        )
        if person.papers - {submission.pk}
        else set()  # listed on no other paper: nothing to ask
    )
    found = rules_applied(submission.pk, submission.author_id, authors, person, coauthored)
    if declared and not (found and found[0].code == ConflictCode.AUTHOR):
        found.insert(0, Conflict(ConflictCode.DECLARED, DECLARED_SENTENCE))
    return found


DECLARED_SENTENCE = "they declared a conflict of interest with this paper"


def rules_applied(
    submission_id, contact_id, authors: list[PaperAuthor], person: Person, coauthored: set
) -> list[Conflict]:
    """The rules, on what is known: the paper's authors, the person, and the other papers
    that list any of the paper's authors (``coauthored``)."""
    if (person.user_id is not None and person.user_id == contact_id) or any(
        (person.user_id is not None and a.user_id == person.user_id)
        or (bool(person.email) and a.email == person.email)
        for a in authors
    ):  # the rest would only repeat it
        return [Conflict(ConflictCode.AUTHOR, "they are one of the paper's authors")]
    found = [
        _shared_domain(authors, person.email),
        _shared_affiliation(authors, person.affiliations - {""}),
        _coauthored(person.papers - {submission_id}, coauthored),
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


def _shared_affiliation(authors, affiliations: frozenset[str]) -> Conflict | None:
    """An affiliation of the person's (their profile's, or one they gave as an author on
    this platform) that an author of the paper has."""
    for author in authors:
        if affiliation_key(author.affiliation) in affiliations:
            return Conflict(
                ConflictCode.AFFILIATION,
                f"they share the affiliation “{author.affiliation}” with the author {author.name}",
            )
    return None


def _coauthored(their_papers: frozenset, coauthored: set) -> Conflict | None:
    """Other papers on the platform the person wrote with the paper's authors."""
    together = their_papers & coauthored
    if not together:
        return None
    papers = "paper" if len(together) == 1 else "papers"
    return Conflict(
        ConflictCode.COAUTHOR,
        f"they have co-authored {len(together)} other {papers} with the paper's authors",
    )


def conflicts_among(*, papers: dict, users: list[tuple[int, str]]) -> dict[tuple, ConflictCode]:
    """For many papers (id: contact's user id) and accounts (user id, address) at once, in
    four queries whatever their number: the first conflict's code of each (paper id, user id)
    in conflict; pairs without one are absent. The same rules as ``conflicts_of``, on today's
    details."""
    authors = authors_of_papers(submission_ids=list(papers))
    people = _people(users)
    # Who is listed on each paper the accounts are listed on: their co-authors.
    partners = authors_of_papers(submission_ids={p for person in people for p in person.papers})
    found = {}
    for paper_id, contact_id in papers.items():
        listed = authors.get(paper_id, [])
        keys = {a.user_id for a in listed if a.user_id} | {a.email for a in listed if a.email}
        for person in people:
            coauthored = {
                other
                for other in person.papers - {paper_id}
                if any(a.user_id in keys or a.email in keys for a in partners.get(other, []))
            }
            rules = rules_applied(paper_id, contact_id, listed, person, coauthored)
            if rules:
                found[(paper_id, person.user_id)] = rules[0].code
    return found


def _people(users: list[tuple[int, str]]) -> list[Person]:
    profiles = profiles_of(user_ids=[user_id for user_id, _ in users])
    theirs = authorships_of_many(
        user_ids=[user_id for user_id, _ in users], emails=[email for _, email in users]
    )
    people = []
    for user_id, address in users:
        email = (address or "").lower()
        listed = [a for a in theirs if a.user_id == user_id or (email and a.email == email)]
        affiliations = {affiliation_key(a.affiliation) for a in listed}
        affiliations.add(affiliation_key(profiles.get(user_id, "")))
        papers = frozenset(a.submission_id for a in listed)
        people.append(Person(user_id, email, frozenset(affiliations), papers))
    return people
