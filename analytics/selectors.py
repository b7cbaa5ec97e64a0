"""The analytics summary, computed by PostgreSQL from the durable facts."""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db import connection

from accounts.selectors import user_names
from analytics.services import LIVE
from contracts.codes import DECIDED_STATUSES, FINAL_DECISIONS, InvitationAnswer, Status
from contracts.events import EVENT_CLASSES
from submissions.workflow import WORKFLOW

SCORE_BUCKETS = 10  # the histogram: [0, 10%), [10%, 20%), ... [90%, 100%]
WAITED = "extract(epoch FROM checked_at - uploaded_at)"  # seconds from upload to report
DECISIONS = [status.value for status in DECIDED_STATUSES]
# The statuses from which a rejection is a desk reject (the workflow's table says which).
DESK = sorted({s.value for s, steps in WORKFLOW.items() for step in steps if step.desk})
FINAL = [status.value for status in FINAL_DECISIONS]


@dataclass(frozen=True)
class Bucket:
    low: float
    high: float
    count: int


@dataclass
class Summary:
    since: date | None
    until: date | None
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    per_day: list[tuple[date, int]] = field(default_factory=list)
    decisions: dict[str, int] = field(default_factory=dict)
    checked: int = 0
    flagged: int = 0
    score_mean: float | None = None
    score_median: float | None = None
    score_p90: float | None = None
    score_histogram: list[Bucket] = field(default_factory=list)
    time_to_check_count: int = 0
    time_to_check_p50: float | None = None  # seconds
    time_to_check_p95: float | None = None
    events: dict[str, int] = field(default_factory=dict)
    versions_mean: float | None = None  # versions per paper
    revised: int = 0  # papers with more than one version
    revision_count: int = 0  # revisions sent after a request, and how long they took
    revision_p50: float | None = None  # seconds
    revision_p95: float | None = None
    final_decisions: int = 0  # papers accepted or rejected
    desk_rejects: int = 0
    desk_reject_share: float | None = None  # of the papers accepted or rejected
    time_to_decision_p50: float | None = None  # seconds from upload to accept or reject
    time_to_decision_p95: float | None = None
    # Peer review, for invitations sent in the range.
    invitations: int = 0
    papers_with_reviews: int = 0
    reviews_per_paper: float | None = None  # submitted reviews per paper that had any invited
    accepted: int = 0
    declined: int = 0
    decline_rate: float | None = None  # of the invitations answered
    time_to_accept_p50: float | None = None  # seconds from invitation to acceptance
    time_to_accept_p95: float | None = None
    time_to_review_p50: float | None = None  # seconds from acceptance to the review
    time_to_review_p95: float | None = None
    reviewer_load: list[dict] = field(default_factory=list)  # the busiest reviewers first

    def as_dict(self) -> dict:
        return asdict(self)


def _range(column: str, since: date | None, until: date | None) -> tuple[str, list]:
    """A WHERE clause for the date range (``WHERE true`` when open), and its parameters:
    the queries below add their own conditions with AND."""
    clauses, params = ["true"], []
    if since is not None:
        clauses.append(f"{column} >= %s")
        params.append(since)
    if until is not None:
        clauses.append(f"{column} <= %s")
        params.append(until)
    return " WHERE " + " AND ".join(clauses), params


def analytics_summary(*, since: date | None = None, until: date | None = None) -> Summary:
    """Every aggregate, for submissions uploaded (and decisions made) from ``since`` to
    ``until`` inclusive (UTC days); everything when no range is given."""
    summary = Summary(since=since, until=until)
    with connection.cursor() as cursor:
        for figure in FIGURES:
            figure(cursor, summary)
    return summary


def _number(value) -> float | None:
    return None if value is None else float(value)


# -- one selector per figure: each reads its facts for the summary's range and sets its fields --
def _by_status(cursor, summary: Summary) -> None:
    where, params = _range("uploaded_on", summary.since, summary.until)
    cursor.execute(f"SELECT status, count(*) FROM {LIVE.facts}{where} GROUP BY status", params)
    counts = dict(cursor.fetchall())
    summary.by_status = {status.value: counts.pop(status.value, 0) for status in Status}
    summary.by_status |= counts  # a status this code does not know yet still shows
    summary.total = sum(summary.by_status.values())


def _per_day(cursor, summary: Summary) -> None:
    where, params = _range("uploaded_on", summary.since, summary.until)
    cursor.execute(
        f"SELECT uploaded_on, count(*) FROM {LIVE.facts}"
        f"{where} AND uploaded_on IS NOT NULL GROUP BY 1 ORDER BY 1",
        params,
    )
    summary.per_day = _every_day(dict(cursor.fetchall()), summary.since, summary.until)


def _scores(cursor, summary: Summary) -> None:
    where, params = _range("uploaded_on", summary.since, summary.until)
    cursor.execute(
        "SELECT count(score), count(*) FILTER (WHERE flagged), avg(score::numeric), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY score), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY score) "
        f"FROM {LIVE.facts}{where}",
        params,
    )
    summary.checked, summary.flagged, mean, median, p90 = cursor.fetchone()
    summary.score_mean, summary.score_median, summary.score_p90 = map(_number, (mean, median, p90))


def _score_histogram(cursor, summary: Summary) -> None:
    where, params = _range("uploaded_on", summary.since, summary.until)
    cursor.execute(
        f"SELECT least(width_bucket(score, 0, 1, {SCORE_BUCKETS}), {SCORE_BUCKETS}), "
        f"count(*) FROM {LIVE.facts}{where} AND score IS NOT NULL GROUP BY 1",
        params,
    )
    buckets = dict(cursor.fetchall())
    summary.score_histogram = [
        Bucket(n / SCORE_BUCKETS, (n + 1) / SCORE_BUCKETS, buckets.get(n + 1, 0))
        for n in range(SCORE_BUCKETS)
    ]


def _time_to_check(cursor, summary: Summary) -> None:
    where, params = _range("uploaded_on", summary.since, summary.until)
    cursor.execute(
        "SELECT count(*), "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {WAITED}), "
        f"percentile_cont(0.95) WITHIN GROUP (ORDER BY {WAITED}) "
        f"FROM {LIVE.facts}{where} "
        "AND checked_at IS NOT NULL AND uploaded_at IS NOT NULL",
        params,
    )
    summary.time_to_check_count, p50, p95 = cursor.fetchone()
    summary.time_to_check_p50, summary.time_to_check_p95 = map(_number, (p50, p95))


def _versions(cursor, summary: Summary) -> None:
    where, params = _range("uploaded_on", summary.since, summary.until)
    cursor.execute(
        f"SELECT avg(versions), count(*) FILTER (WHERE versions > 1) FROM {LIVE.facts}"
        f"{where} AND uploaded_at IS NOT NULL",
        params,
    )
    mean, summary.revised = cursor.fetchone()
    summary.versions_mean = _number(mean)


def _final_decisions(cursor, summary: Summary) -> None:
    """Each paper's first final decision (accept or reject), desk or not, and how long
    after its upload it came."""
    where, params = _range("f.uploaded_on", summary.since, summary.until)
    waited = "extract(epoch FROM d.decided_at - f.uploaded_at)"
    cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE d.decision = %s AND d.from_status = ANY(%s)), "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {waited}), "
        f"percentile_cont(0.95) WITHIN GROUP (ORDER BY {waited}) "
        f"FROM {LIVE.facts} f JOIN LATERAL (SELECT decision, from_status, decided_at "
        f"FROM {LIVE.decisions} x WHERE x.submission_id = f.submission_id "
        "AND x.decision = ANY(%s) ORDER BY decided_at LIMIT 1) d ON true"
        f"{where} AND f.uploaded_at IS NOT NULL",
        [Status.REJECTED.value, DESK, FINAL, *params],
    )
    summary.final_decisions, summary.desk_rejects, p50, p95 = cursor.fetchone()
    summary.time_to_decision_p50, summary.time_to_decision_p95 = map(_number, (p50, p95))
    if summary.final_decisions:
        summary.desk_reject_share = summary.desk_rejects / summary.final_decisions


def _decisions(cursor, summary: Summary) -> None:
    where, params = _range("decided_on", summary.since, summary.until)
    cursor.execute(f"SELECT decision, count(*) FROM {LIVE.decisions}{where} GROUP BY 1", params)
    counts = dict(cursor.fetchall())
    summary.decisions = {kind: counts.pop(kind, 0) for kind in DECISIONS} | counts


def _revisions(cursor, summary: Summary) -> None:
    """Revisions received in the range, each timed from the request it answered."""
    where, params = _range("r.decided_on", summary.since, summary.until)
    waited = "extract(epoch FROM r.decided_at - q.decided_at)"
    requested = Status.REVISION_REQUESTED.value
    cursor.execute(
        f"SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY {waited}), "
        f"percentile_cont(0.95) WITHIN GROUP (ORDER BY {waited}) "
        f"FROM {LIVE.decisions} r JOIN LATERAL (SELECT decided_at FROM {LIVE.decisions} x "
        "WHERE x.submission_id = r.submission_id AND x.decision = %s "
        "AND x.decided_at <= r.decided_at ORDER BY x.decided_at DESC LIMIT 1) q ON true"
        f"{where} AND r.decision = %s AND r.from_status = %s",
        [requested, *params, Status.SUBMITTED.value, requested],
    )
    summary.revision_count, p50, p95 = cursor.fetchone()
    summary.revision_p50, summary.revision_p95 = map(_number, (p50, p95))


def _invitations(cursor, summary: Summary) -> None:
    """Peer review, for invitations sent in the range: reviews per paper, answers, and how
    long accepting and reviewing take."""
    where, params = _range("invited_on", summary.since, summary.until)
    accept_wait = "extract(epoch FROM answered_at - invited_at)"
    review_wait = "extract(epoch FROM reviewed_at - answered_at)"
    accepted = "FILTER (WHERE answer = %s)"
    reviewed = "FILTER (WHERE reviewed_at IS NOT NULL AND answered_at IS NOT NULL)"
    yes, no = InvitationAnswer.ACCEPTED.value, InvitationAnswer.DECLINED.value
    cursor.execute(
        f"SELECT count(*), count(*) {accepted}, count(*) FILTER (WHERE answer = %s), "
        "count(DISTINCT submission_id), "
        "count(DISTINCT submission_id) FILTER (WHERE reviewed_at IS NOT NULL), "
        "count(*) FILTER (WHERE reviewed_at IS NOT NULL), "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {accept_wait}) {accepted}, "
        f"percentile_cont(0.95) WITHIN GROUP (ORDER BY {accept_wait}) {accepted}, "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {review_wait}) {reviewed}, "
        f"percentile_cont(0.95) WITHIN GROUP (ORDER BY {review_wait}) {reviewed} "
        f"FROM {LIVE.invitations}{where} AND invited_on IS NOT NULL",
        [yes, no, yes, yes, *params],
    )
    (
        summary.invitations,
        summary.accepted,
        summary.declined,
        papers,
        summary.papers_with_reviews,
        reviews,
        accept_p50,
        accept_p95,
        review_p50,
        review_p95,
    ) = cursor.fetchone()
    summary.reviews_per_paper = reviews / papers if papers else None
    answered = summary.accepted + summary.declined
    summary.decline_rate = summary.declined / answered if answered else None
    summary.time_to_accept_p50, summary.time_to_accept_p95 = map(_number, (accept_p50, accept_p95))
    summary.time_to_review_p50, summary.time_to_review_p95 = map(_number, (review_p50, review_p95))


def _reviewer_load(cursor, summary: Summary) -> None:
    """Each reviewer's load (accepted invitations, reviews done, reviews still open), the
    busiest first."""
    where, params = _range("invited_on", summary.since, summary.until)
    cursor.execute(
        "SELECT reviewer_id, count(*), count(reviewed_at), count(*) - count(reviewed_at) "
        f"FROM {LIVE.invitations}{where} AND invited_on IS NOT NULL AND answer = %s "
        "AND reviewer_id IS NOT NULL GROUP BY 1 ORDER BY 4 DESC, 2 DESC, 1 LIMIT %s",
        [*params, InvitationAnswer.ACCEPTED.value, REVIEWER_LOAD_SHOWN],
    )
    loads = cursor.fetchall()
    names = user_names(user_ids=[row[0] for row in loads])
    summary.reviewer_load = [
        {
            "reviewer_id": reviewer,
            "reviewer": names.get(reviewer, ""),
            "accepted": accepted,
            "reviewed": reviewed,
            "open": open_,
        }
        for reviewer, accepted, reviewed, open_ in loads
    ]


def _events(cursor, summary: Summary) -> None:
    where, params = _range("day", summary.since, summary.until)
    cursor.execute(f"SELECT event_type, sum(count) FROM {LIVE.daily}{where} GROUP BY 1", params)
    counts = {event_type: int(n) for event_type, n in cursor.fetchall()}
    known = sorted({cls.event_type for cls in EVENT_CLASSES.values()})
    summary.events = {name: counts.pop(name, 0) for name in known} | counts


FIGURES = (
    _by_status,
    _per_day,
    _scores,
    _score_histogram,
    _time_to_check,
    _versions,
    _final_decisions,
    _decisions,
    _revisions,
    _invitations,
    _reviewer_load,
    _events,
)
REVIEWER_LOAD_SHOWN = 20


def _every_day(
    counts: dict[date, int], since: date | None, until: date | None
) -> list[tuple[date, int]]:
    """Counts for every day of the range, zeros included (a chart must show the gaps)."""
    if not counts and (since is None or until is None):
        return []
    first = since or min(counts)
    last = until or max(counts)
    if (last - first).days > 3660:  # ten years of bars help nobody: keep the known days
        return sorted(counts.items())
    return [
        (first + timedelta(days=n), counts.get(first + timedelta(days=n), 0))
        for n in range((last - first).days + 1)
    ]
