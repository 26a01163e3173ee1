"""The report's take-home hours against the 3-hour guide: from the event log through pipeline_report to the
section the terminal, HTML and artifacts render."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hiring.reports.metrics import pipeline_report
from hiring.reports.tables import Alert, take_home_hours_section
from hiring.reports.take_home_hours import take_home_hours
from tests.support import payloads


@dataclass(frozen=True)
class _Ev:
    trigger: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class _Req:
    title: str
    role_profile: str | None


def _sent(hours: float, reason: str | None = None) -> _Ev:
    return _Ev("send_take_home", {"expected_hours": hours, **({"hours_reason": reason} if reason else {})})


def test_counts_share_and_median_per_requisition_and_overall() -> None:
    events = {
        1: [_sent(3), _sent(4, "dataset prep"), _sent(3), _Ev("screen", {})],
        2: [_sent(2.5), _Ev("send_take_home", {})],  # an old event without hours: the default, 3
        3: [_Ev("screen", {})],  # nothing sent: no row
    }
    reqs = {1: _Req("Applied", "applied_ai_engineer"), 2: _Req("ML", "ml_engineer"), 3: _Req("R", None)}
    out = take_home_hours(events, reqs)
    assert (out["sent"], out["above_guide"], out["above_guide_share"], out["median_hours"]) == (5, 1, 0.2, 3)
    assert out["above_guide_with_reason"] == 1 and out["max_hours"] == 4 and out["guide_hours"] == 3
    first, second = out["requisitions"]
    assert (first["requisition_id"], first["sent"], first["above_guide"], first["above_guide_share"]) == (
        1,
        3,
        1,
        0.3333,
    )
    assert (second["requisition_id"], second["median_hours"], second["above_guide"]) == (2, 2.75, 0)
    assert [r["requisition_id"] for r in out["requisitions"]] == [1, 2]


def test_nothing_sent_gives_an_empty_summary() -> None:
    out = take_home_hours({}, {1: _Req("A", None)})
    assert (out["sent"], out["above_guide_share"], out["median_hours"], out["requisitions"]) == (0, None, None, [])


def test_the_pipeline_report_and_its_section(engine, candidate, drive, open_requisition) -> None:
    hours = [(3, None), (4, "includes a small labelling step"), (3, None)]
    for h, reason in hours:
        cid = candidate()
        drive.to(cid, "screened")
        extra = {"expected_hours": h} | ({"hours_reason": reason} if reason else {})
        drive(cid, "send_take_home", payloads.templated_take_home(drive.clock.now, **extra))
    report = pipeline_report(engine, now=drive.clock.now + timedelta(hours=1))
    t = report["take_home_hours"]
    assert (t["sent"], t["above_guide"], t["above_guide_with_reason"], t["median_hours"]) == (3, 1, 1, 3)
    section = take_home_hours_section(report)
    assert section.key == "take-home-hours" and "3h guide" in section.title
    row, total = section.rows
    assert row[0] == f"#{open_requisition} Applied AI Engineer, support automation"
    assert row[1:] == ["3", "1 (33%)", "1", "3h", "4h"] and isinstance(row[2], Alert)
    assert total[0] == "all requisitions"
