"""The report as tables: plain data (`sections`) that the terminal (Rich), the HTML file and the Prefect
artifacts all render, so the three always show the same numbers."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from hiring.terminal import line, plain


class Alert(str):
    """A cell that needs attention (overdue, past the window): red in the terminal and in HTML."""

    __slots__ = ()


@dataclass(frozen=True)
class Section:
    key: str  # short, lowercase: used for HTML ids and artifact keys (pipeline-<key>)
    title: str
    columns: tuple[str, ...]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, str]]:
        """Rows as {column: text} (what a Prefect table artifact takes)."""
        return [dict(zip(self.columns, map(str, row), strict=True)) for row in self.rows]


# --- formatting ---------------------------------------------------------------------------------


def dur(hours: float | None) -> str:
    """12m, 5.5h, 3.2d."""
    if hours is None:
        return "-"
    if hours < 1:
        return f"{hours * 60:.0f}m"
    if hours < 48:
        return f"{hours:.1f}".removesuffix(".0") + "h"
    return f"{hours / 24:.1f}".removesuffix(".0") + "d"


def pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.0f}%"


def num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}d"


def local(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A UTC time shown in the configured time zone (HIRING_TIMEZONE)."""
    if value is None:
        return "-"
    from zoneinfo import ZoneInfo

    from hiring.settings import get_settings

    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(ZoneInfo(get_settings().timezone)).strftime(fmt)


def secs(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}s" if value < 120 else dur(value / 3600)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) if counts else ""


def label(stage: str) -> str:
    return stage


# --- the sections -------------------------------------------------------------------------------


def funnel_section(report: dict[str, Any]) -> Section:
    rows, notes = [], []
    for r in report["funnel"]:
        if "next" not in r:
            rows.append([label(r["stage"]), str(r["reached"]), "", "", "", "", "", ""])
            continue
        rows.append(
            [
                label(r["stage"]),
                str(r["reached"]),
                pct(r["conversion"]),
                str(r["rejected"]),
                str(r["withdrawn"]),
                str(r["declined"]),
                str(r["departed"]),
                str(r["open"]),
            ]
        )
        if r["rejected"]:
            notes.append(f"Rejected at {r['stage']}: {_counts(r['rejected_by_reason'])}.")
    return Section(
        "funnel",
        "Funnel: candidates who ever reached each stage, and where the others are now",
        ("stage", "reached", "to next", "rejected", "withdrawn", "declined", "departed", "open"),
        rows,
        ["Reaching onboarding_30 means hired (offer accepted).", *notes],
    )


def time_in_stage_section(report: dict[str, Any]) -> Section:
    rows = []
    for r in report["time_in_stage"]:
        oldest = dur(r["max_age_hours"])
        if r["max_age_hours"] is not None and r["p90_hours"] is not None and r["max_age_hours"] > r["p90_hours"]:
            oldest = Alert(oldest)
        rows.append(
            [
                label(r["stage"]),
                str(r["n"]),
                dur(r["median_hours"]),
                dur(r["p90_hours"]),
                str(r["in_stage_now"]),
                dur(r["median_age_hours"]),
                oldest,
            ]
        )
    hire = report["time_to_hire"]
    notes = [
        f"Time to hire (sourced -> offer accepted): median {dur(hire['median_hours'])}, "
        f"p90 {dur(hire['p90_hours'])} over {hire['n']} hire(s)."
    ]
    return Section(
        "time-in-stage",
        "Time in stage (candidates who left it; re-entries summed) and stays still open",
        ("stage", "left", "median", "p90", "there now", "median age", "oldest"),
        rows,
        notes,
    )


def time_to_fill_section(report: dict[str, Any]) -> Section:
    fill = report["time_to_fill"]
    day = "%Y-%m-%d"
    rows = [
        [
            f"#{r['requisition_id']} {r['title']}",
            local(r["opened_at"], day),
            local(r["filled_at"], day),
            dur(r["hours"]) if r["hours"] is not None else f"open {dur(r['open_hours'])}",
        ]
        for r in fill["requisitions"]
    ]
    notes = [f"Median time to fill {dur(fill['median_hours'])} over {fill['n']} filled requisition(s)."]
    return Section(
        "time-to-fill",
        "Time to fill (requisition opened -> first offer accepted)",
        ("requisition", "opened", "first acceptance", "time to fill"),
        rows,
        notes,
    )


def sla_section(report: dict[str, Any]) -> Section:
    rows = []
    for kind, c in report["sla"]["timers"].items():
        rows.append(
            [
                kind,
                str(c["met"]),
                Alert(c["breached"]) if c["breached"] else "0",
                str(c["open"]),
                Alert(c["open_overdue"]) if c["open_overdue"] else "0",
                str(c["paused"]),
                str(c["cancelled"]),
                pct(c["on_time_rate"]),
            ]
        )
    return Section(
        "sla",
        "SLA health per timer (on time = met / (met + breached + open overdue))",
        ("timer", "met", "breached", "open", "overdue", "paused", "cancelled", "on time"),
        rows,
    )


def escalations_section(report: dict[str, Any]) -> Section:
    esc = report["sla"]["escalations"]
    rows = []
    for level, n in [*esc["by_level"].items(), ("all", esc["count"])]:
        lat = esc["lateness_seconds"].get(level, {})
        rows.append([level, str(n), secs(lat.get("median")), secs(lat.get("p90")), secs(lat.get("max"))])
    return Section(
        "escalations",
        "Escalations fired, and how late the sweep fired them",
        ("level", "fired", "lateness median", "p90", "max"),
        rows,
    )


def decisions_section(report: dict[str, Any]) -> Section:
    d = report["decisions"]
    window = f"{d['window_hours']:.0f}h"
    over = sum(p["over_window"] for p in d["pending"])
    rows = [
        [
            str(d["decided_n"]),
            dur(d["decided_median_hours"]),
            dur(d["decided_p90_hours"]),
            f"{d['within_window']} ({pct(d['within_window_rate'])})",
            str(d["outcomes"].get("decide_hire", 0)),
            str(d["outcomes"].get("decide_no_hire", 0)),
            str(d["outcomes"].get("make_offer", 0)),
            str(d["outcomes"].get("reject", 0)),
            str(len(d["pending"])),
            Alert(over) if over else "0",
        ]
    ]
    notes = [
        f"Waiting: candidate #{p['candidate_id']} (req {p['requisition_id']}) for {dur(p['waiting_hours'])}"
        + (" (on hold)" if p["on_hold"] else "")
        for p in d["pending"]
    ]
    notes += [
        f"Requisition {req}'s policy sets a {hours:.0f}h window; its decisions are measured against that."
        for req, hours in d.get("window_hours_by_requisition", {}).items()
    ]
    return Section(
        "decisions",
        f"Decision speed: last interview's end (or fourth part recorded) -> decide, else make_offer / reject"
        f" (window {window})",
        (
            "decided",
            "median",
            "p90",
            f"within {window}",
            "hire",
            "no hire",
            "offers undecided",
            "rejects undecided",
            "pending",
            f"pending > {window}",
        ),
        rows,
        notes,
    )


def scorecards_section(report: dict[str, Any]) -> Section:
    s = report["scorecards"]
    window = f"{s['window_hours']:.0f}h"
    rows = [
        [
            r["interviewer"],
            str(r["scorecards"]),
            dur(r["median_hours"]),
            f"{r['within_window']} ({pct(r['within_window_rate'])})",
        ]
        for r in s["interviewers"]
    ]
    return Section(
        "scorecards",
        f"Scorecard timeliness per interviewer: interview end -> scorecard (window {window})",
        ("interviewer", "scorecards", "median", f"within {window}"),
        rows,
    )


def sources_section(report: dict[str, Any]) -> Section:
    rows = [
        [
            r["role_profile"],
            r["source"],
            str(r["candidates"]),
            f"{r['take_home']} ({pct(r['take_home_rate'])})",
            str(r["offers"]),
            str(r["hires"]),
        ]
        for r in report["sources"]
    ]
    return Section(
        "sources",
        "Sources by role profile",
        ("role profile", "source", "candidates", "to take-home", "offers", "hires"),
        rows,
    )


def _rubric(report: dict[str, Any], key: str, part: str, names: tuple[str, ...], what: str, title: str) -> Section:
    reqs = report["rubrics"]
    rows = [[name, *(num(r[key][part][name]) for r in reqs)] for name in names]
    rows.append(["overall", *(num(r[key]["overall"]) for r in reqs)])
    rows.append([what, *(str(r[key]["n"]) for r in reqs)])
    notes = [f"#{r['requisition_id']}: {r['title']}" for r in reqs]
    return Section(key.replace("_", "-"), title, ("", *(f"#{r['requisition_id']}" for r in reqs)), rows, notes)


def take_home_section(report: dict[str, Any]) -> Section:
    from states.vocabulary import TAKE_HOME_RUBRIC

    return _rubric(
        report,
        "take_home",
        "items",
        TAKE_HOME_RUBRIC,
        "candidates scored",
        "Take-home rubric averages per requisition (1-4, latest score per candidate)",
    )


def take_home_hours_section(report: dict[str, Any]) -> Section:
    t = report["take_home_hours"]
    guide = f"{t['guide_hours']:g}h"

    def cells(x: dict[str, Any]) -> list[str]:
        above = f"{x['above_guide']} ({pct(x['above_guide_share'])})"
        return [
            str(x["sent"]),
            Alert(above) if x["above_guide"] else above,
            str(x["above_guide_with_reason"]),
            dur(x["median_hours"]),
            dur(x["max_hours"]),
        ]

    rows = [[f"#{r['requisition_id']} {r['title']}", *cells(r)] for r in t["requisitions"]]
    rows.append(["all requisitions", *cells(t)])
    return Section(
        "take-home-hours",
        f"Take-home hours against the {guide} guide (expected hours of every take-home sent)",
        ("requisition", "sent", f"above {guide}", "with a reason", "median", "longest"),
        rows,
        [f"Above the guide needs hours_reason on send_take_home; the guide is {guide}."],
    )


def interviews_section(report: dict[str, Any]) -> Section:
    from hiring.reports.metrics import INTERVIEW_PARTS

    return _rubric(
        report,
        "interview",
        "parts",
        INTERVIEW_PARTS,
        "candidates interviewed",
        "Final-interview averages per requisition (1-4, latest score per candidate and part)",
    )


def screen_bar_section(report: dict[str, Any]) -> Section:
    rows = [
        [
            f"#{r['requisition_id']}",
            r["title"],
            str(r["screens"]),
            Alert(r["overrides"]) if r["overrides"] else "0",
            pct(r["override_rate"]),
        ]
        for r in report["screen_bar"]
    ]
    notes = [
        f"#{r['requisition_id']}: overridden for candidate(s) {', '.join(f'#{c}' for c in r['candidates'])}."
        for r in report["screen_bar"]
        if r["candidates"]
    ]
    return Section(
        "screen-bar",
        "Screen-bar overrides per requisition (resume screens below the bar moved on with a reason)",
        ("requisition", "title", "screens", "overrides", "share"),
        rows,
        notes,
    )


def offers_section(report: dict[str, Any]) -> Section:
    o = report["offers"]
    rows = [
        [
            str(o["made"]),
            str(o["accepted"]),
            str(o["declined"]),
            str(o["pending"]),
            str(o["withdrawn_at_offer"]),
            str(o["rescinded"]),
            pct(o["acceptance_rate"]),
            str(len(o["outside_band"])),
        ]
    ]
    notes = [f"Declined: {reason} ({n})." for reason, n in o["declines_by_reason"].items()]
    notes += [
        f"Outside band: candidate #{x['candidate_id']} (req {x['requisition_id']}) {x['base_salary']} {x['currency']}"
        f" vs {x['band'][0]}-{x['band'][1]} {x['band'][2]}"
        + (f" ({x['off_band_pct']:+.1f}%)" if x["off_band_pct"] is not None else "")
        + (f", approval chain: {', '.join(x['approvers'])}" if x["approvers"] else "")
        for x in o["outside_band"]
    ]
    return Section(
        "offers",
        "Offers (acceptance rate = accepted / (accepted + declined))",
        ("made", "accepted", "declined", "pending", "withdrawn", "rescinded", "acceptance", "off band"),
        rows,
        notes,
    )


def onboarding_section(report: dict[str, Any]) -> Section:
    ob = report["onboarding"]
    rows = []
    for day, c in ob["checkpoints"].items():
        rows.append(
            [
                f"day {day}",
                str(c["on_time"]),
                Alert(c["late"]) if c["late"] else "0",
                Alert(c["overdue"]) if c["overdue"] else "0",
                str(c["not_due"]),
                str(c["cancelled"]),
                pct(c["on_time_rate"]),
            ]
        )
    reasons = _counts(dict(Counter(d["reason"] or "unknown" for d in ob["departed"]).most_common()))
    notes = [
        f"{ob['hires']} hire(s); {ob['departures']} departure(s), {ob['departures_before_day_90']} before day 90"
        + (f" ({reasons})" if reasons else "")
        + ".",
        "A checkpoint tried before its window (start date + N days less checkpoint_early_window) is refused"
        " and writes nothing, so early attempts are not counted here.",
    ]
    return Section(
        "onboarding",
        "Onboarding checkpoints (completed on time = before start date + 30/60/90 days)",
        ("checkpoint", "on time", "late", "overdue", "not due yet", "cancelled", "on-time rate"),
        rows,
        notes,
    )


def access_gaps_section(report: dict[str, Any]) -> Section:
    g = report["access_gaps"]
    rows = [
        [
            str(x["candidate_id"]),
            local(x["opened_at"], "%Y-%m-%d"),
            ", ".join(x["items"]),
            x["status"] if x["status"] != "open" else Alert("open"),
            local(x["closed_at"], "%Y-%m-%d"),
            days(x["days_open"]),
        ]
        for x in g["gaps"]
    ]
    items = _counts(g["items"])
    notes = [
        f"{g['with_gap']} of {g['checkpoints']} day-30 checkpoint(s) left an access gap: {g['granted']} granted,"
        f" {g['open']} still open, {g['departed']} left open at a departure"
        + (f"; items missing: {items}" if items else "")
        + ".",
        f"Days open: median {days(g['median_days_open'])}, max {days(g['max_days_open'])}"
        " (to the access_granted of the last missing item; an open gap to now, a departed hire's to the departure).",
    ]
    return Section(
        "access-gaps",
        "Day-30 access gaps: items still missing at the checkpoint and how long until granted",
        ("candidate", "opened", "items", "status", "closed", "days open"),
        rows,
        notes,
    )


def departures_section(report: dict[str, Any]) -> Section:
    rows = [
        [
            p["role_profile"],
            str(p["hires"]),
            str(p["departures"]),
            Alert(p["before_day_90"]) if p["before_day_90"] else "0",
            str(p["from_day_90"]),
            days(p["median_tenure_days"]),
            ", ".join(f"{d['candidate_id']} ({d['tenure_days']}d)" for d in p["departed"]) or "-",
        ]
        for p in report["departures_by_profile"]
    ]
    return Section(
        "departures",
        "Departures by role profile and tenure (days from the start date to the departure)",
        ("role profile", "hires", "departed", "before day 90", "day 90 or later", "median tenure", "candidates"),
        rows,
        ["A hire is an accepted offer; one who leaves before day 90 never finished onboarding."],
    )


def retention_traits_section(report: dict[str, Any]) -> Section:
    from hiring.reports.retention import TRAITS

    rows = [
        [f"#{r['requisition_id']} {r['title'] or ''}".strip(), str(r["checkins"]), str(r["hires"])]
        + [num(r["means"][t]) for t in TRAITS]
        for r in report["retention_traits"]
    ]
    return Section(
        "retention-traits",
        "Retention traits by requisition: mean rating (1-4) over the retention check-ins",
        ("requisition", "check-ins", "hires", *(t.replace("_", " ") for t in TRAITS)),
        rows,
        ["Every check-in counts, so a hire checked in at day 180 and day 365 counts twice."],
    )


def acceptance_by_motivator_section(report: dict[str, Any]) -> Section:
    rows = [
        [r["motivator"], str(r["offers"]), str(r["accepted"]), str(r["declined"]), pct(r["acceptance_rate"])]
        for r in report["acceptance_by_motivator"]
    ]
    return Section(
        "acceptance-by-motivator",
        "Offer acceptance by candidate motivator (acceptance = accepted / (accepted + declined))",
        ("motivator", "offers", "accepted", "declined", "acceptance"),
        rows,
        [
            "Motivators as recorded when the offer was answered; a candidate with several counts under each,"
            " so the rows add up to more than all offers."
        ],
    )


def channel_fit_section(report: dict[str, Any]) -> Section:
    rows, notes = [], []
    for p in report["channel_fit"]:
        rows += [
            [
                p["role_profile"],
                str(c["channel"]),
                "yes" if c["recommended"] is True else "no",
                str(c["candidates"]),
                str(c["hires"]),
            ]
            for c in p["channels"]
        ]
        notes.append(
            f"{p['role_profile']}: {p['recommended_candidates']} of {p['candidates']} candidate(s)"
            f" ({pct(p['recommended_candidate_share'])}) and {p['recommended_hires']} of {p['hires']} hire(s)"
            f" ({pct(p['recommended_hire_share'])}) from recommended channels."
        )
    return Section(
        "channel-fit",
        "Channel fit per role profile: candidates and hires per source against the recommended channels",
        ("role profile", "channel", "recommended", "candidates", "hires"),
        rows,
        notes,
    )


def market_buckets_section(report: dict[str, Any]) -> Section:
    rows = [
        [
            r["bucket"],
            str(r["offers"]),
            Alert(r["below_median"]) if r["below_median"] else "0",
            str(r["accepted"]),
            str(r["declined"]),
            str(r["open"]),
            pct(r["acceptance_rate"]),
        ]
        for r in report["offers_by_market_bucket"]
    ]
    dates = sorted({d for r in report["offers_by_market_bucket"] for d in r["as_of"]})
    notes = ["Each candidate's latest offer, in the bucket of the market data its base fell in when it was made."]
    if dates:
        notes.append(f"Market data as of {', '.join(dates)}.")
    return Section(
        "market-buckets",
        "Offers by market bucket (below median: the base is under the profile's median bucket)",
        ("market bucket", "offers", "below median", "accepted", "declined", "open", "acceptance"),
        rows,
        notes,
    )


def _wait_cells(r: dict[str, Any]) -> list[str]:
    return [
        str(r["decided"]),
        str(r["rejected"]),
        dur(r["median_hours"]),
        dur(r["p90_hours"]),
        dur(r["max_hours"]),
        str(r["pending"]),
        dur(r["pending_max_hours"]),
    ]


def approval_times_section(report: dict[str, Any]) -> Section:
    a = report["approval_times"]
    rows = [[f"step {r['step']}", *_wait_cells(r)] for r in a["by_step"]]
    rows += [[r["approver"], *_wait_cells(r)] for r in a["by_approver"]]
    notes = [
        f"Waiting: candidate #{p['candidate_id']}'s offer, step {p['step']} ({p['approver']}),"
        f" for {dur(p['waiting_hours'])}"
        for p in a["pending"]
    ]
    notes.append("A step waits from the offer (or the step before it approved) to its approver's decision.")
    return Section(
        "approval-times",
        "Offer approval time per chain step and per approver (slowest first)",
        ("step / approver", "decided", "rejected", "median", "p90", "max", "pending", "longest pending"),
        rows,
        notes,
    )


def _rho_cells(f: dict[str, Any]) -> list[str]:
    rho, p = f["rho"], f["p_value"]
    p_text = "-" if p is None else "<0.001" if p < 0.001 else f"{p:.3f}"
    return ["-" if rho is None else f"{rho:+.2f}", str(f["n"]), p_text, f["reading"]]


def predictors_section(report: dict[str, Any]) -> Section:
    from hiring.reports.predictors import label

    o = report["outcome_predictors"]
    least, every = o["min_hires"], o["all"]
    groups = [("all hires", every)] if every["hires"] else []
    groups += [(g["role_profile"], g) for g in o["by_profile"] if g["enough"]]
    rows = [[who, label(f), *_rho_cells(f)] for who, g in groups for f in g["figures"]]
    ratings = ", ".join(f"{r}: {n}" for r, n in o["ratings"].items())
    notes = [f"{every['hires']} hire(s) with a day-90 contribution rating ({ratings}); a figure needs {least}."]
    if not every["enough"]:
        notes.append(f"Too few hires to say: fewer than {least} hires have a day-90 rating.")
    few = [f"{g['role_profile']} {g['hires']}" for g in o["by_profile"] if not g["enough"]]
    if few:
        notes.append(f"By role profile, too few hires to say: {', '.join(few)} rated hire(s).")
    notes.append(
        "rho +1: the higher the signal, the higher the rating, every time; -1: the reverse; 'no variation': the"
        " signal or the rating was the same for all. A correlation, not a cause; with few hires and many"
        " figures, some will look strong by chance."
    )
    return Section(
        "predictors",
        "What predicted the hires who shipped: Spearman's rho of each signal with the day-90 contribution rating",
        ("hires", "signal", "rho", "n", "p", "reading"),
        rows,
        notes,
    )


SECTIONS = (
    funnel_section,
    time_in_stage_section,
    time_to_fill_section,
    sla_section,
    escalations_section,
    decisions_section,
    scorecards_section,
    sources_section,
    take_home_section,
    take_home_hours_section,
    interviews_section,
    screen_bar_section,
    offers_section,
    approval_times_section,
    market_buckets_section,
    acceptance_by_motivator_section,
    channel_fit_section,
    onboarding_section,
    access_gaps_section,
    departures_section,
    retention_traits_section,
    predictors_section,
)


def sections(report: dict[str, Any]) -> list[Section]:
    return [build(report) for build in SECTIONS]


def scope_line(report: dict[str, Any]) -> str:
    f = {k: v for k, v in report["filters"].items() if v is not None}
    s = report["scope"]
    where = ", ".join(f"{k} {v}" for k, v in f.items()) or "all requisitions, all sources, all dates"
    return (
        f"{s['candidates']} candidate(s) in {len(s['requisitions'])} requisition(s) ({where}); {s['active']} "
        f"active, {s['hires']} hired; as of {local(report['generated_at'])}"
    )


# --- the terminal -------------------------------------------------------------------------------


def _numeric(cell: str) -> bool:
    return not cell or cell[0].isdigit() or cell[0] in "-+"


def render_report(console: Console, report: dict[str, Any]) -> None:
    for renderable in report_view(report):
        console.print(renderable)


def report_view(report: dict[str, Any]) -> list[RenderableType]:
    """The report for the terminal. Cells and notes hold user text (titles, sources): shown as text."""
    out: list[RenderableType] = [line(("Pipeline report", "bold"), ": ", scope_line(report)), Text()]
    for section in sections(report):
        out.append(_table(section))
        out += [plain(f"  {note}") for note in section.notes]
        out.append(Text())
    return out


def _table(section: Section) -> Table:
    table = Table(
        title=plain(section.title, "bold"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for column in section.columns:
        table.add_column(plain(column))  # a rubric column names a requisition
    table.columns[0].no_wrap = True
    for i, table_column in enumerate(table.columns):
        if i and all(_numeric(row[i]) for row in section.rows):
            table_column.justify = "right"
    for row in section.rows:
        table.add_row(*(plain(c, "bold red" if isinstance(c, Alert) else "") for c in row))
    return table
