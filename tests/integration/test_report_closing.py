"""The report's acceptance by motivator and channel fit, on a small fixed log built through the service, from
pipeline_report to the sections the terminal, the HTML file and the Prefect artifacts render.

The log (requisition 1: applied_ai_engineer, whose recommended channels are direct_sourcing, open_source and
technical_community; requisition 2: ml_engineer, no candidates):
  H  direct_sourcing    motivators cash, product_ownership; hired; motivators changed to title afterwards
  D  employee_referral  motivators remote, changed to cash, team_quality before the loop; offer declined
  W  direct_sourcing    motivators title; offer pending
  R  inbound            no motivators; rejected at the screen
"""

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import Engine

from hiring import service
from hiring.candidate_details import update_candidate
from hiring.reports.html import render_html
from hiring.reports.metrics import pipeline_report
from hiring.reports.tables import acceptance_by_motivator_section, channel_fit_section, report_view
from states.intake import CandidateUpdate
from states.requisition import RequisitionSpec
from tests.support import payloads


def _motivators(engine: Engine, cid: int, *motivators: str) -> None:
    update_candidate(engine, cid, CandidateUpdate.model_validate({"motivators": list(motivators)}), actor="rita")


@pytest.fixture
def closing_log(engine: Engine, T0: datetime, candidate, drive) -> dict[str, int]:
    spec = RequisitionSpec.model_validate(payloads.requisition(role_profile="ml_engineer"))
    ml = service.add_requisition(engine, spec, now=T0).id or 0
    service.open_requisition(engine, ml, now=T0)
    ids = {
        "H": candidate(source="direct_sourcing", motivators=["cash", "product_ownership"]),
        "D": candidate(source="employee_referral", motivators=["remote"]),
        "W": candidate(source="direct_sourcing", motivators=["title"]),
        "R": candidate(source="inbound", motivators=[]),
    }
    drive.to(ids["H"], "onboarding_30")
    _motivators(engine, ids["H"], "title")  # after the answer: not what the acceptance is counted under
    _motivators(engine, ids["D"], "cash", "team_quality")
    drive.to(ids["D"], "declined")
    drive.to(ids["W"], "offer")
    drive.to(ids["R"], "rejected")
    return ids


@pytest.fixture
def report(engine: Engine, closing_log: dict[str, int], drive) -> dict[str, Any]:
    return pipeline_report(engine, now=drive.clock.now + timedelta(hours=1))


def test_acceptance_per_motivator_as_recorded_when_the_offer_was_answered(report) -> None:
    rows = {
        r["motivator"]: (r["offers"], r["accepted"], r["declined"], r["acceptance_rate"])
        for r in report["acceptance_by_motivator"]
    }
    assert rows == {
        "cash": (2, 1, 1, 0.5),
        "title": (1, 0, 0, None),  # W is still deciding; H's later change does not count
        "remote": (0, 0, 0, None),  # D's remote was replaced before the offer
        "research_freedom": (0, 0, 0, None),
        "product_ownership": (1, 1, 0, 1.0),
        "team_quality": (1, 0, 1, 0.0),
        "none recorded": (0, 0, 0, None),  # R had none, but got no offer
        "all offers": (3, 1, 1, 0.5),
    }
    assert report["offers"]["acceptance_rate"] == 0.5  # the same definition as the offers section


def test_channel_fit_per_profile_against_the_recommended_channels(report) -> None:
    applied, ml = report["channel_fit"]
    assert [(c["channel"], c["recommended"], c["candidates"], c["hires"]) for c in applied["channels"]] == [
        ("direct_sourcing", True, 2, 1),
        ("open_source", True, 0, 0),
        ("technical_community", True, 0, 0),
        ("employee_referral", False, 1, 0),
        ("inbound", False, 1, 0),
    ]
    assert (applied["role_profile"], applied["candidates"], applied["hires"]) == ("applied_ai_engineer", 4, 1)
    assert (applied["recommended_candidates"], applied["recommended_candidate_share"]) == (2, 0.5)
    assert (applied["recommended_hires"], applied["recommended_hire_share"]) == (1, 1.0)
    assert ml["role_profile"] == "ml_engineer" and ml["candidates"] == 0  # recommended channels listed at zero
    assert [(c["channel"], c["candidates"]) for c in ml["channels"]] == [
        ("open_source", 0),
        ("direct_sourcing", 0),
        ("specialist_recruiter", 0),
    ]
    assert ml["recommended_candidate_share"] is None


def test_the_sections_render_the_counts(report) -> None:
    acceptance = acceptance_by_motivator_section(report)
    assert acceptance.key == "acceptance-by-motivator"
    assert ["cash", "2", "1", "1", "50%"] in acceptance.rows and ["title", "1", "0", "0", "-"] in acceptance.rows
    assert acceptance.rows[-1] == ["all offers", "3", "1", "1", "50%"]
    fit = channel_fit_section(report)
    assert fit.key == "channel-fit"
    assert fit.rows[0] == ["applied_ai_engineer", "direct_sourcing", "yes", "2", "1"]
    assert ["applied_ai_engineer", "inbound", "no", "1", "0"] in fit.rows
    assert fit.notes[0] == (
        "applied_ai_engineer: 2 of 4 candidate(s) (50%) and 1 of 1 hire(s) (100%) from recommended channels."
    )


def test_terminal_and_html_show_both_sections(report) -> None:
    console = Console(record=True, width=160)
    for renderable in report_view(report):
        console.print(renderable)
    text = console.export_text()
    assert "Offer acceptance by candidate motivator" in text and "Channel fit per role profile" in text
    assert "product_ownership" in text and "technical_community" in text
    page = render_html(report)
    assert 'id="acceptance-by-motivator"' in page and 'id="channel-fit"' in page
    assert "<td>team_quality</td>" in page


def test_the_artifact_rows_carry_no_names_or_emails(report, closing_log) -> None:
    records = [
        *acceptance_by_motivator_section(report).records(),
        *channel_fit_section(report).records(),
    ]
    text = json.dumps(records)
    for n in range(1, len(closing_log) + 1):
        fields = payloads.new_candidate(1, n)
        assert fields["name"] not in text and fields["email"] not in text
    assert records[0] == {"motivator": "cash", "offers": "2", "accepted": "1", "declined": "1", "acceptance": "50%"}
