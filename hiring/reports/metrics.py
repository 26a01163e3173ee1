"""Pipeline metrics, derived from the append-only event log, the SLA timers and the escalations.

Read-only and reproducible: the same rows and the same `now` give the same numbers. The candidate row's
current stage is used only to say where a candidate *is*; everything about where a candidate *has been*
comes from the event log, so a re-opened candidate is counted once per stage.

Scope (every filter is optional, and they combine):
- `requisition_id`, `role_profile`: requisitions that are open or closed (drafts have no candidates);
- `source`: the candidates' source channel;
- `since` / `until`: the candidates sourced (first event) in [since, until). A candidate in scope brings
  everything that happened to them, whenever it happened.

Durations are in hours (JSON keys end in `_hours`), escalation lateness in seconds. Medians and p90s
interpolate linearly between the closest ranks (numpy's default, `statistics.quantiles(method="inclusive")`).
No names or email addresses appear in the result: candidates are ids.
"""

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, select
from sqlmodel import Session, col

from hiring.reports.access_gaps import access_gaps
from hiring.reports.approval_times import approval_times
from hiring.reports.channel_fit import channel_fit_by_profile
from hiring.reports.loop import Booked, scorecard_timeliness
from hiring.reports.market_buckets import offers_by_market_bucket
from hiring.reports.motivators import acceptance_by_motivator
from hiring.reports.predictors import outcome_predictors
from hiring.reports.retention import departures_by_profile, traits_by_requisition
from hiring.reports.stats import percentile
from hiring.reports.take_home_hours import take_home_hours
from models.tables import Candidate, Escalation, Event, Requisition, Timer
from states.policy import Level, Policy
from states.sla import Scope, due_after
from states.stages import TERMINAL, Stage
from states.timers import TIMERS, TimerKind
from states.vocabulary import TAKE_HOME_RUBRIC, InterviewPart

# The funnel in graph order: reaching onboarding_30 is being hired.
FUNNEL: tuple[Stage, ...] = (
    Stage.SOURCED,
    Stage.SCREENED,
    Stage.TAKE_HOME,
    Stage.DEBRIEF,
    Stage.FINAL,
    Stage.OFFER,
    Stage.ONBOARDING_30,
    Stage.ONBOARDING_60,
    Stage.ONBOARDING_90,
    Stage.ONBOARDED,
)
TIMED_STAGES: tuple[Stage, ...] = FUNNEL[:-1]  # onboarded is an end: no time is spent "in" it
HIRED = Stage.ONBOARDING_30
INTERVIEW_PARTS: tuple[str, ...] = tuple(p.value for p in InterviewPart)
TIMER_STAGE: dict[str, str] = {kind.value: spec.stage.value for kind, spec in TIMERS.items()}
TIMER_STATUSES = ("met", "breached", "open", "open_overdue", "paused", "cancelled", "superseded")
CHECKPOINTS = {TimerKind.CHECKPOINT_30.value: 30, TimerKind.CHECKPOINT_60.value: 60, TimerKind.CHECKPOINT_90.value: 90}
HOUR = 3600.0
DECISION_OUTCOMES = ("decide_hire", "decide_no_hire", "make_offer", "reject")  # withdraw is not a decision


@dataclass(frozen=True)
class Filters:
    requisition_id: int | None = None
    role_profile: str | None = None
    source: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("since", "until"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def parse_filters(
    requisition_id: int | None = None,
    role_profile: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Filters:
    """Filters from user input; every bad value is refused (exit 2) with what is allowed.

    `since` / `until` take a date (2026-10-01: the whole day counts, UTC) or an ISO 8601 instant.
    """
    from hiring.errors import InvalidInput
    from states.vocabulary import RoleProfile, SourceChannel

    if role_profile is not None and role_profile not in {p.value for p in RoleProfile}:
        allowed = ", ".join(p.value for p in RoleProfile)
        raise InvalidInput(f"unknown role profile {role_profile!r}; use one of: {allowed}")
    if source is not None and source not in {c.value for c in SourceChannel}:
        allowed = ", ".join(c.value for c in SourceChannel)
        raise InvalidInput(f"unknown source {source!r}; use one of: {allowed}")
    start, end = _day_or_instant(since, "--since", False), _day_or_instant(until, "--until", True)
    if start is not None and end is not None and end <= start:
        raise InvalidInput(f"--until ({until}) must be after --since ({since})")
    return Filters(requisition_id, role_profile, source, start, end)


def _day_or_instant(text: str | None, what: str, end_of_day: bool) -> datetime | None:
    from datetime import UTC

    from hiring.clock import InvalidTime, parse_instant
    from hiring.errors import InvalidInput

    if text is None:
        return None
    text = text.strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if end_of_day else start
    try:
        return parse_instant(text, what)
    except InvalidTime:
        raise InvalidInput(
            f"{what} {text!r} is neither a date (2026-10-01) nor an ISO 8601 time (2026-10-01T09:00:00Z)"
        ) from None


def check_scope(engine: Engine, filters: Filters) -> None:
    """A requisition named in the filters must exist (exit 4 otherwise)."""
    from hiring.errors import NotFound

    if filters.requisition_id is None:
        return
    with Session(engine) as session:
        if session.get(Requisition, filters.requisition_id) is None:
            raise NotFound(f"no requisition with id {filters.requisition_id} (see `hiring role list`)")


# --- statistics ---------------------------------------------------------------------------------


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _dist(hours: list[float], prefix: str = "") -> dict[str, Any]:
    return {
        f"{prefix}n": len(hours),
        f"{prefix}median_hours": _r(percentile(hours, 0.5)),
        f"{prefix}p90_hours": _r(percentile(hours, 0.9)),
    }


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / HOUR


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


# --- loading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Req:
    id: int
    title: str
    role_profile: str | None
    status: str
    opened_at: datetime | None
    recruiter: str | None
    hiring_manager: str | None
    salary_min: int | None
    salary_max: int | None
    currency: str | None


@dataclass(frozen=True)
class Cand:
    id: int
    requisition_id: int
    source: str
    stage: str
    on_hold: bool
    created_at: datetime


@dataclass(frozen=True)
class Ev:
    candidate_id: int
    seq: int
    trigger: str
    from_stage: str | None
    to_stage: str
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass
class Data:
    reqs: dict[int, Req]
    cands: dict[int, Cand]
    events: dict[int, list[Ev]]
    timers: list[Any]  # rows: id, candidate_id, requisition_id, kind, status, due_at, paused_at, closed_at
    escalations: list[Any]  # rows: level, lateness_seconds, kind


def _requisitions_query(filters: Filters) -> Select[Requisition]:
    query = select(Requisition).where(col(Requisition.status) != "draft").order_by(col(Requisition.id))
    if filters.requisition_id is not None:
        query = query.where(col(Requisition.id) == filters.requisition_id)
    if filters.role_profile is not None:
        query = query.where(col(Requisition.role_profile) == filters.role_profile)
    return query


def _candidates_query(filters: Filters) -> Select[int | None, int, str, str, bool, datetime]:
    query = select(
        col(Candidate.id),
        col(Candidate.requisition_id),
        col(Candidate.source),
        col(Candidate.stage),
        col(Candidate.on_hold),
        col(Candidate.created_at),
    ).join(Requisition, col(Requisition.id) == col(Candidate.requisition_id))
    query = query.where(col(Requisition.status) != "draft")
    if filters.requisition_id is not None:
        query = query.where(col(Candidate.requisition_id) == filters.requisition_id)
    if filters.role_profile is not None:
        query = query.where(col(Requisition.role_profile) == filters.role_profile)
    if filters.source is not None:
        query = query.where(col(Candidate.source) == filters.source)
    if filters.since is not None:
        query = query.where(col(Candidate.created_at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(Candidate.created_at) < filters.until)
    return query


def _req(r: Requisition) -> Req:
    return Req(
        r.id or 0,
        r.title,
        r.role_profile,
        r.status,
        r.opened_at,
        r.recruiter,
        r.hiring_manager,
        r.salary_min,
        r.salary_max,
        r.currency,
    )


def load(engine: Engine, filters: Filters) -> Data:
    """The rows the report needs, for the candidates in scope: four queries."""
    cand_q = _candidates_query(filters)
    in_scope = cand_q.with_only_columns(col(Candidate.id)).scalar_subquery()
    ev_q = select(
        col(Event.candidate_id),
        col(Event.seq),
        col(Event.trigger),
        col(Event.from_stage),
        col(Event.to_stage),
        col(Event.payload),
        col(Event.occurred_at),
    ).where(col(Event.candidate_id).in_(in_scope))
    timer_q = select(
        col(Timer.id),
        col(Timer.candidate_id),
        col(Timer.requisition_id),
        col(Timer.kind),
        col(Timer.status),
        col(Timer.due_at),
        col(Timer.paused_at),
        col(Timer.closed_at),
    ).where(col(Timer.candidate_id).in_(in_scope))
    escalation_q = (
        select(col(Escalation.level), col(Escalation.lateness_seconds), col(Timer.kind))
        .join(Timer, col(Timer.id) == col(Escalation.timer_id))
        .where(col(Escalation.candidate_id).in_(in_scope))
    )
    with Session(engine) as session:
        reqs = {r.id: _req(r) for r in session.execute(_requisitions_query(filters)).scalars() if r.id is not None}
        cands = {row.id: Cand(*row) for row in session.execute(cand_q.order_by(col(Candidate.id)))}
        events: dict[int, list[Ev]] = defaultdict(list)
        for row in session.execute(ev_q.order_by(col(Event.candidate_id), col(Event.seq))):
            events[row.candidate_id].append(
                Ev(
                    row.candidate_id,
                    row.seq,
                    row.trigger,
                    row.from_stage,
                    row.to_stage,
                    row.payload or {},
                    row.occurred_at,
                )
            )
        timers = session.execute(timer_q.order_by(col(Timer.id))).all()
        escalations = session.execute(escalation_q.order_by(col(Escalation.id))).all()
    return Data(reqs, cands, dict(events), list(timers), list(escalations))


# --- one candidate's history --------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    ready_at: datetime  # the fourth distinct part was recorded (or the candidate came back to final with all four)
    decided_at: datetime
    # decide_hire | decide_no_hire (a `decide` event), else make_offer | reject without a decide, or withdraw
    # (the candidate left: not a decision)
    outcome: str
    held_hours: float = 0.0  # time on hold in between, which does not count (the decision timer pauses too)

    @property
    def hours(self) -> float:
        return _hours(self.decided_at - self.ready_at) - self.held_hours


@dataclass
class Journey:
    """What the event log says about one candidate."""

    cand: Cand
    reached: set[str] = field(default_factory=set)
    spent: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # hours in finished stays
    current_stay: tuple[str, datetime] | None = None  # (stage, entered_at) of the stay not yet over
    sourced_at: datetime | None = None
    accepted_at: datetime | None = None
    start_date: date | None = None
    stage: str = Stage.SOURCED.value
    left_from: str | None = None  # the stage a terminal candidate left from
    reject_reason: str | None = None
    decline_reason: str | None = None
    departed_at: datetime | None = None
    depart_reason: str | None = None
    decisions: list[Decision] = field(default_factory=list)
    pending_since: datetime | None = None  # waiting for the hire/no-hire call since
    pending_held: float = 0.0  # hours on hold since pending_since
    hold_since: datetime | None = None
    take_home: dict[str, int] | None = None  # the latest take-home score
    interviews: dict[str, int] = field(default_factory=dict)  # part -> the latest score
    offer: dict[str, Any] | None = None  # the latest offer package (make_offer or revise_offer)
    made_offer: bool = False
    booked: Booked = field(default_factory=Booked)  # scheduled interviews and scorecard lags


def walk(cand: Cand, events: list[Ev], scope: Scope | None = None) -> Journey:
    """One candidate's journey from its events; `scope` is its requisition's policy (the scorecard window)."""
    j = Journey(cand, booked=Booked(scope or Scope()))
    parts: set[str] = set()
    for ev in events:
        j.reached.add(ev.to_stage)
        j.sourced_at = j.sourced_at or ev.occurred_at  # the `source` event, seq 1
        moved = ev.from_stage != ev.to_stage
        if moved:
            _move(j, ev)
        parts = _record(j, ev, parts)
        _hold_and_decision(j, ev, moved)
        j.stage = ev.to_stage
    return j


def _move(j: Journey, ev: Ev) -> None:
    """The stay in the stage left ends; a stay in the next one starts unless it is terminal."""
    if j.current_stay is not None:
        stage, since = j.current_stay
        j.spent[stage] += _hours(ev.occurred_at - since)
        j.current_stay = None
    if ev.to_stage not in TERMINAL:
        j.current_stay = (ev.to_stage, ev.occurred_at)
    else:
        j.left_from = ev.from_stage


def _record(j: Journey, ev: Ev, parts: set[str]) -> set[str]:
    """What the event records on the journey; returns the interview parts done so far."""
    p = ev.payload
    j.booked.track(ev.trigger, p, ev.occurred_at)
    if ev.trigger == "advance_to_final":
        return set()
    if ev.trigger == "record_interview":
        had_all = len(parts) == len(INTERVIEW_PARTS)
        parts.add(p["part"])
        j.interviews[p["part"]] = int(p["score"])
        if not had_all and len(parts) == len(INTERVIEW_PARTS):
            # The window starts at the last interview's end when the loop was scheduled (a late scorecard
            # counts against the decision), else at the fourth scorecard.
            j.pending_since = j.booked.last_end or ev.occurred_at
    elif ev.trigger == "reopen" and ev.to_stage == Stage.FINAL and len(parts) == len(INTERVIEW_PARTS):
        j.pending_since = ev.occurred_at  # back in final with all four parts: the decision is due again
    elif ev.trigger == "score_take_home":
        j.take_home = {item: int(p[item]) for item in TAKE_HOME_RUBRIC}
    elif ev.trigger in ("make_offer", "revise_offer"):
        j.offer = p
        j.made_offer = True
    elif ev.trigger == "accept_offer":
        j.accepted_at = j.accepted_at or ev.occurred_at
        j.start_date = date.fromisoformat(p["start_date"])
    elif ev.trigger == "reject":
        j.reject_reason = p.get("reason")
    elif ev.trigger == "decline_offer":
        j.decline_reason = p.get("reason")
    elif ev.trigger == "depart":
        j.departed_at, j.depart_reason = ev.occurred_at, p.get("reason")
    return parts


def _hold_and_decision(j: Journey, ev: Ev, moved: bool) -> None:
    """Time on hold is taken out of a pending decision; `decide`, or else leaving final, closes the decision
    (so the make_offer after a `decide` hire does not count a second time)."""
    if ev.trigger == "hold":
        j.hold_since = ev.occurred_at
    elif j.hold_since is not None and (ev.trigger == "resume" or moved):  # leaving a stage ends a hold
        if j.pending_since is not None:
            j.pending_held += _hours(ev.occurred_at - max(j.hold_since, j.pending_since))
        j.hold_since = None
    decided = ev.trigger == "decide" or (ev.from_stage == Stage.FINAL and moved)
    if j.pending_since is not None and decided:
        outcome = f"decide_{ev.payload.get('decision')}" if ev.trigger == "decide" else ev.trigger
        j.decisions.append(Decision(j.pending_since, ev.occurred_at, outcome, j.pending_held))
        j.pending_since, j.pending_held = None, 0.0


# --- the sections -------------------------------------------------------------------------------


def funnel(journeys: list[Journey]) -> list[dict[str, Any]]:
    """Per stage: candidates that ever reached it, how many went on to the next, and where the rest are."""
    rows = []
    for i, stage in enumerate(FUNNEL):
        here = [j for j in journeys if stage.value in j.reached]
        row: dict[str, Any] = {"stage": stage.value, "reached": len(here)}
        if i + 1 < len(FUNNEL):
            nxt = FUNNEL[i + 1].value
            rest = [j for j in here if nxt not in j.reached]
            rejected = Counter(j.reject_reason or "unknown" for j in rest if j.stage == Stage.REJECTED)
            row.update(
                {
                    "next": nxt,
                    "advanced": len(here) - len(rest),
                    "conversion": _rate(len(here) - len(rest), len(here)),
                    "rejected": sum(rejected.values()),
                    "rejected_by_reason": dict(sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0]))),
                    "withdrawn": sum(j.stage == Stage.WITHDRAWN for j in rest),
                    "declined": sum(j.stage == Stage.DECLINED for j in rest),
                    "departed": sum(j.stage == Stage.DEPARTED for j in rest),
                    "open": sum(j.stage not in TERMINAL for j in rest),
                }
            )
        rows.append(row)
    return rows


def time_in_stage(journeys: list[Journey], now: datetime) -> list[dict[str, Any]]:
    """Per stage: total time each candidate spent in it (re-entries summed), over the candidates who left it;
    and the age of the stays still going on."""
    rows = []
    for stage in TIMED_STAGES:
        done = [
            j.spent[stage.value]
            for j in journeys
            if stage.value in j.spent and not (j.current_stay and j.current_stay[0] == stage.value)
        ]
        ages = [
            _hours(now - j.current_stay[1]) for j in journeys if j.current_stay and j.current_stay[0] == stage.value
        ]
        rows.append(
            {
                "stage": stage.value,
                **_dist(done),
                "in_stage_now": len(ages),
                "median_age_hours": _r(percentile(ages, 0.5)),
                "max_age_hours": _r(max(ages, default=None)),
            }
        )
    return rows


def time_to_hire_and_fill(journeys: list[Journey], reqs: dict[int, Req], now: datetime) -> dict[str, Any]:
    to_hire = [_hours(j.accepted_at - j.sourced_at) for j in journeys if j.accepted_at and j.sourced_at]
    fills: list[dict[str, Any]] = []
    for req in reqs.values():
        accepted = [j.accepted_at for j in journeys if j.cand.requisition_id == req.id and j.accepted_at]
        filled = min(accepted, default=None)
        row = {
            "requisition_id": req.id,
            "title": req.title,
            "opened_at": req.opened_at,
            "filled_at": filled,
            "hours": _r(_hours(filled - req.opened_at)) if filled and req.opened_at else None,
            "open_hours": _r(_hours(now - req.opened_at)) if not filled and req.opened_at else None,
        }
        fills.append(row)
    filled_hours = [r["hours"] for r in fills if r["hours"] is not None]
    return {
        "time_to_hire": _dist(to_hire),
        "time_to_fill": {**_dist(filled_hours), "requisitions": fills},
    }


def _timer_state(t: Any, now: datetime) -> str:
    if t.status != "open":
        return str(t.status)
    if t.paused_at is not None:
        return "paused"
    return "open_overdue" if t.due_at < now else "open"


def sla(timers: list[Any], escalations: list[Any], now: datetime) -> dict[str, Any]:
    by_kind: dict[str, dict[str, Any]] = {}
    # Every timed stage, and onboarded too: its retention check-ins are timed though no time is spent "in" it.
    stages = dict.fromkeys([*(s.value for s in TIMED_STAGES), *TIMER_STAGE.values()])
    by_stage: dict[str, dict[str, int]] = {s: {"met": 0, "breached": 0, "open_overdue": 0} for s in stages}
    for kind in TimerKind:
        mine = [t for t in timers if t.kind == kind.value]
        if not mine:
            continue
        counts = Counter(_timer_state(t, now) for t in mine)
        row: dict[str, Any] = {"stage": TIMER_STAGE[kind.value], **{s: counts.get(s, 0) for s in TIMER_STATUSES}}
        row["cancelled_after_due"] = sum(t.status == "cancelled" and t.closed_at > t.due_at for t in mine)
        row["on_time_rate"] = _rate(row["met"], row["met"] + row["breached"] + row["open_overdue"])
        by_kind[kind.value] = row
        for key in ("met", "breached", "open_overdue"):
            by_stage[row["stage"]][key] += row[key]
    lateness: dict[str, list[float]] = defaultdict(list)
    kinds: Counter[str] = Counter()
    for level, seconds, kind in escalations:
        lateness[level].append(seconds)
        kinds[kind] += 1
    every = [s for xs in lateness.values() for s in xs]
    return {
        "timers": by_kind,
        "by_stage": by_stage,
        "escalations": {
            "count": len(escalations),
            "by_level": {lv.value: len(lateness.get(lv.value, [])) for lv in Level},
            "by_timer": dict(sorted(kinds.items())),
            "lateness_seconds": {
                lv: {
                    "n": len(xs),
                    "median": _r(percentile(xs, 0.5), 1),
                    "p90": _r(percentile(xs, 0.9), 1),
                    "max": _r(max(xs), 1),
                }
                for lv, xs in [*((lv.value, lateness.get(lv.value, [])) for lv in Level), ("all", every)]
                if xs
            },
        },
    }


def _window_due(j: Journey, since: datetime, held_hours: float) -> datetime:
    """When the decision window opened at `since` closed for this candidate: the policy in effect for its
    requisition (duration and calendar), pushed back by the time on hold, as the decision timer is."""
    return due_after(TimerKind.DECISION, since, j.booked.scope) + timedelta(hours=held_hours)


def window_hours(policy: Policy, scope: Scope | None = None) -> float:
    """The decision window in hours for a requisition (default: the policy's global one)."""
    scope = scope or Scope(policy=policy)
    duration = policy.duration(TimerKind.DECISION, scope.role_profile, scope.requisition_id)
    return (duration or TIMERS[TimerKind.DECISION].duration).total_seconds() / 3600


def decision_speed(journeys: list[Journey], now: datetime, policy: Policy | None = None) -> dict[str, Any]:
    """From the last scheduled interview's end (else the fourth distinct part recorded) to the decision (`decide`,
    else make_offer or reject), each against the decision window its requisition's policy gives (on the
    policy's calendar)."""
    policy = policy or Policy()
    decided = [(j, d) for j in journeys for d in j.decisions if d.outcome in DECISION_OUTCOMES]
    hours = [d.hours for _, d in decided]
    within = sum(d.decided_at <= _window_due(j, d.ready_at, d.held_hours) for j, d in decided)
    pending = []
    for j in journeys:
        if j.pending_since is None or j.stage != Stage.FINAL:
            continue
        held = j.pending_held + (_hours(now - max(j.hold_since, j.pending_since)) if j.hold_since else 0.0)
        waiting = _hours(now - j.pending_since) - held
        pending.append(
            {
                "candidate_id": j.cand.id,
                "requisition_id": j.cand.requisition_id,
                "waiting_hours": _r(waiting),
                "on_hold": j.hold_since is not None,
                "over_window": now > _window_due(j, j.pending_since, held),
            }
        )
    overrides = {
        j.cand.requisition_id: hours_
        for j in journeys
        if (hours_ := window_hours(policy, j.booked.scope)) != window_hours(policy)
    }
    return {
        "window_hours": window_hours(policy),
        "window_hours_by_requisition": dict(sorted(overrides.items())),  # only where it differs from the global
        **_dist(hours, "decided_"),
        "within_window": within,
        "within_window_rate": _rate(within, len(hours)),
        "outcomes": dict(Counter(d.outcome for _, d in decided)),
        "withdrawn_before_decision": sum(d.outcome == "withdraw" for j in journeys for d in j.decisions),
        "hours": sorted(_r(h) for h in hours),
        "pending": sorted(pending, key=lambda p: -p["waiting_hours"]),
    }


def sources(journeys: list[Journey], reqs: dict[int, Req]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Journey]] = defaultdict(list)
    for j in journeys:
        profile = reqs[j.cand.requisition_id].role_profile if j.cand.requisition_id in reqs else None
        groups[(profile or "-", j.cand.source)].append(j)
    rows = []
    for (profile, channel), js in sorted(groups.items()):
        take_home = sum(Stage.TAKE_HOME.value in j.reached for j in js)
        rows.append(
            {
                "role_profile": profile,
                "source": channel,
                "candidates": len(js),
                "take_home": take_home,
                "take_home_rate": _rate(take_home, len(js)),
                "offers": sum(j.made_offer for j in js),
                "hires": sum(HIRED.value in j.reached for j in js),
            }
        )
    return rows


def rubrics(journeys: list[Journey], reqs: dict[int, Req]) -> list[dict[str, Any]]:
    """Per requisition: the latest take-home score and the latest score of each interview part per candidate,
    averaged per rubric item / part; `overall` averages every such score."""
    rows = []
    for req in reqs.values():
        js = [j for j in journeys if j.cand.requisition_id == req.id]
        scored = [j.take_home for j in js if j.take_home]
        interviewed = [j.interviews for j in js if j.interviews]
        rows.append(
            {
                "requisition_id": req.id,
                "title": req.title,
                "role_profile": req.role_profile,
                "take_home": {
                    "n": len(scored),
                    "items": {item: _mean([s[item] for s in scored]) for item in TAKE_HOME_RUBRIC},
                    "overall": _mean([v for s in scored for v in s.values()]),
                },
                "interview": {
                    "n": len(interviewed),
                    "parts": {part: _mean([i[part] for i in interviewed if part in i]) for part in INTERVIEW_PARTS},
                    "overall": _mean([v for i in interviewed for v in i.values()]),
                },
            }
        )
    return rows


def screen_bar_overrides(data: Data) -> list[dict[str, Any]]:
    """Per requisition: resume screens, and those below the screen bar that moved on with an override_reason
    (a reason is refused on a screen that clears the bar, so every one counted here was below it)."""
    rows = []
    for req in data.reqs.values():
        screens = [
            ev
            for cid, cand in data.cands.items()
            if cand.requisition_id == req.id
            for ev in data.events.get(cid, [])
            if ev.trigger == "screen"
        ]
        overridden = [ev for ev in screens if ev.payload.get("override_reason")]
        rows.append(
            {
                "requisition_id": req.id,
                "title": req.title,
                "screens": len(screens),
                "overrides": len(overridden),
                "override_rate": _rate(len(overridden), len(screens)),
                "candidates": sorted({ev.candidate_id for ev in overridden}),
            }
        )
    return rows


def offers(journeys: list[Journey], reqs: dict[int, Req]) -> dict[str, Any]:
    made = [j for j in journeys if j.made_offer]
    accepted = sum(j.accepted_at is not None for j in made)
    declined = [j for j in made if j.stage == Stage.DECLINED]
    outside = []
    for j in made:
        req, offer = reqs.get(j.cand.requisition_id), j.offer or {}
        if req is None or req.salary_min is None or req.salary_max is None:
            continue
        base, currency = offer["base_salary"], offer.get("currency")  # an OfferPackage: base_salary is required
        if currency != req.currency or not req.salary_min <= base <= req.salary_max:
            edge = req.salary_max if base > req.salary_max else req.salary_min
            outside.append(
                {
                    "candidate_id": j.cand.id,
                    "requisition_id": req.id,
                    "base_salary": base,
                    "currency": currency,
                    "band": [req.salary_min, req.salary_max, req.currency],
                    "off_band_pct": _r(100 * (base - edge) / edge, 1) if currency == req.currency else None,
                    "approvers": [s["approver"] for s in offer.get("approval_chain") or []],
                }
            )
    return {
        "made": len(made),
        "accepted": accepted,
        "declined": len(declined),
        "pending": sum(j.stage == Stage.OFFER for j in made),
        "withdrawn_at_offer": sum(j.stage == Stage.WITHDRAWN and j.left_from == Stage.OFFER for j in made),
        "rescinded": sum(j.stage == Stage.REJECTED and j.left_from == Stage.OFFER for j in made),
        "acceptance_rate": _rate(accepted, accepted + len(declined)),
        "declines_by_reason": dict(Counter(j.decline_reason or "unknown" for j in declined).most_common()),
        "outside_band": outside,
    }


def onboarding(journeys: list[Journey], timers: list[Any], now: datetime) -> dict[str, Any]:
    checkpoints = {}
    for kind, days in CHECKPOINTS.items():
        counts = Counter(_timer_state(t, now) for t in timers if t.kind == kind)
        on_time, late, overdue = counts["met"], counts["breached"], counts["open_overdue"]
        checkpoints[str(days)] = {
            "on_time": on_time,
            "late": late,
            "overdue": overdue,
            "not_due": counts["open"] + counts["paused"],
            "cancelled": counts["cancelled"],
            "on_time_rate": _rate(on_time, on_time + late + overdue),
        }
    hires = [j for j in journeys if j.accepted_at is not None]
    departures: list[dict[str, Any]] = []
    for j in hires:
        if j.departed_at is None:
            continue
        day = (j.departed_at.date() - j.start_date).days if j.start_date else None
        departures.append(
            {"candidate_id": j.cand.id, "requisition_id": j.cand.requisition_id, "day": day, "reason": j.depart_reason}
        )
    return {
        "hires": len(hires),
        "checkpoints": checkpoints,
        "departures": len(departures),
        "departures_before_day_90": sum(d["day"] is not None and d["day"] < 90 for d in departures),
        "departed": departures,
    }


# --- the report ---------------------------------------------------------------------------------


def pipeline_report(
    engine: Engine,
    filters: Filters | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
    min_hires: int | None = None,
) -> dict[str, Any]:
    """Every metric of the pipeline report for the candidates in scope, as plain JSON-able data; `policy` (default:
    the policy file in use) gives each requisition its scorecard window; `min_hires` (default: the
    HIRING_OUTCOME_MIN_HIRES setting) is the fewest rated hires an outcome correlation is computed on."""
    from hiring import clock
    from hiring.policy_file import current_policy
    from hiring.settings import get_settings

    filters = filters or Filters()
    now = now or clock.now()
    policy = policy or current_policy()
    min_hires = get_settings().outcome_min_hires if min_hires is None else min_hires
    data = load(engine, filters)
    journeys = [walk(c, data.events.get(c.id, []), _scope(c, data.reqs, policy)) for c in data.cands.values()]
    return {
        "generated_at": now,
        "filters": filters.as_dict(),
        "scope": {
            "candidates": len(journeys),
            "active": sum(j.stage not in TERMINAL for j in journeys),
            "hires": sum(j.accepted_at is not None for j in journeys),
            "requisitions": [
                {
                    "id": r.id,
                    "title": r.title,
                    "role_profile": r.role_profile,
                    "status": r.status,
                    "hiring_manager": r.hiring_manager,
                    "recruiter": r.recruiter,
                }
                for r in data.reqs.values()
            ],
        },
        "funnel": funnel(journeys),
        "time_in_stage": time_in_stage(journeys, now),
        **time_to_hire_and_fill(journeys, data.reqs, now),
        "sla": sla(data.timers, data.escalations, now),
        "decisions": decision_speed(journeys, now, policy),
        "scorecards": scorecard_timeliness([lag for j in journeys for lag in j.booked.lags], policy),
        "sources": sources(journeys, data.reqs),
        "rubrics": rubrics(journeys, data.reqs),
        "screen_bar": screen_bar_overrides(data),
        "offers": offers(journeys, data.reqs),
        "offers_by_market_bucket": offers_by_market_bucket(journeys),
        "approval_times": approval_times(data.events, {j.cand.id: j.stage == Stage.OFFER for j in journeys}, now),
        "acceptance_by_motivator": acceptance_by_motivator(journeys, data.events),
        "channel_fit": channel_fit_by_profile(journeys, data.reqs),
        "onboarding": onboarding(journeys, data.timers, now),
        "access_gaps": access_gaps(data.events, now),
        "departures_by_profile": departures_by_profile(data.events, _profiles(data)),
        "retention_traits": traits_by_requisition(
            data.events, {cid: c.requisition_id for cid, c in data.cands.items()}, data.reqs
        ),
        "take_home_hours": take_home_hours(_by_requisition(data), data.reqs),
        "outcome_predictors": outcome_predictors(data.events, _profiles(data), min_hires),
    }


def _scope(cand: Cand, reqs: dict[int, Req], policy: Policy) -> Scope:
    req = reqs.get(cand.requisition_id)
    return Scope(req.role_profile if req else None, cand.requisition_id, policy)


def _profiles(data: Data) -> dict[int, str | None]:
    """Each candidate's requisition role profile."""
    return {
        cid: req.role_profile if (req := data.reqs.get(c.requisition_id)) else None for cid, c in data.cands.items()
    }


def _by_requisition(data: Data) -> dict[int, list[Ev]]:
    out: dict[int, list[Ev]] = defaultdict(list)
    for cid, events in data.events.items():
        if cid in data.cands:
            out[data.cands[cid].requisition_id] += events
    return out
