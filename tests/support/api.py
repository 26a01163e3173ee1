"""Building the API app for tests: explicit settings (no environment, no .env), a token, a webhook secret, and
Greenhouse deliveries signed the way Greenhouse signs them."""

import hashlib
import hmac
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hiring.api.app import create_app
from hiring.settings import Settings
from states.policy import Policy, parse_policy

TOKEN = "tok-3f9c1d2e8a7b"
SECRET = "gh-secret-5b2e9a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"api_tokens": [TOKEN], "greenhouse_secret": SECRET, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def client(engine: Engine, policy: Policy | None = None, **overrides: Any) -> TestClient:
    return TestClient(create_app(engine, settings(**overrides), policy), raise_server_exceptions=False)


# --- Greenhouse ---------------------------------------------------------------------------------


def greenhouse_body(doc: dict[str, Any]) -> bytes:
    """The body as Greenhouse sends it: JSON with non-ASCII characters and <, >, & escaped as \\uXXXX."""
    text = json.dumps(doc, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("ascii")


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    api: TestClient,
    doc: dict[str, Any] | bytes,
    event_id: str | None = "evt-1",
    secret: str = SECRET,
    sig: str | None = None,
    **headers: str,
) -> Any:
    """POST one signed delivery to /webhooks/greenhouse."""
    body = doc if isinstance(doc, bytes) else greenhouse_body(doc)
    sent = {
        "Content-Type": "application/json",
        "Signature": sig if sig is not None else signature(body, secret),
        **headers,
    }
    if event_id is not None:
        sent["Greenhouse-Event-ID"] = event_id
    return api.post("/webhooks/greenhouse", content=body, headers=sent)


def application(
    app_id: int = 71980812,
    candidate_id: int = 60304594,
    job_id: int = 274075,
    stage: str = "Application Review",
    first_name: str = "José",
    last_name: str = "Müller <Jr.>",
    email: str = "jose.muller@example.com",
    source: str = "LinkedIn (Prospecting)",
    status: str = "active",
    rejection_reason: dict[str, Any] | None = None,
    offer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An application as Greenhouse's webhooks carry it (field names from developers.greenhouse.io)."""
    app: dict[str, Any] = {
        "id": app_id,
        "rejected_at": "2026-03-05T10:00:00Z" if status == "rejected" else None,
        "prospect": False,
        "status": status,
        "applied_at": "2026-03-01T14:44:43Z",
        "last_activity_at": "2026-03-02T14:44:42Z",
        "url": f"https://app.greenhouse.io/people/{candidate_id}?application_id={app_id}",
        "source": {"id": 16, "public_name": source},
        "credited_to": {
            "id": 92120,
            "email": "recruiter@example.com",
            "name": "Greenhouse Admin",
            "employee_id": "123ABC",
        },
        "rejection_reason": rejection_reason,
        "rejection_details": None,
        "current_stage": {
            "id": 2944102,
            "name": stage,
            "interviews": [
                {
                    "id": 4368004,
                    "name": "Screening call",
                    "status": "to_be_scheduled",
                    "interview_kit": {
                        "url": "https://app.greenhouse.io/guides/1",
                        "content": "<p>Ask about evals</p>",
                        "questions": [],
                    },
                    "interviewers": [],
                }
            ],
        },
        "prospect_detail": {"prospect_pool": None, "prospect_stage": None, "prospect_owner": None},
        "custom_fields": {
            "application_custom_test": {"name": "Application Custom Test", "type": "single_select", "value": None}
        },
        "candidate": {
            "id": candidate_id,
            "first_name": first_name,
            "last_name": last_name,
            "title": "ML Engineer",
            "company": "Current Company Co.",
            "created_at": "2026-03-01T14:44:42Z",
            "external_id": None,
            "photo_url": None,
            "url": f"https://app.greenhouse.io/people/{candidate_id}",
            "is_private": False,
            "can_email": True,
            "phone_numbers": [{"value": "555-555-5555", "type": "mobile"}],
            "email_addresses": [{"value": "jose@work.example", "type": "work"}, {"value": email, "type": "personal"}],
            "addresses": [],
            "website_addresses": [],
            "social_media_addresses": [],
            "educations": [],
            "employments": [],
            "recruiter": {"id": 92121, "email": "betty@example.com", "name": "Betty Smith", "employee_id": "123ABC"},
            "coordinator": None,
            "attachments": [],
            "tags": ["Ruby"],
            "custom_fields": {},
        },
        "jobs": [
            {
                "id": job_id,
                "name": "Applied AI Engineer",
                "requisition_id": "ABC",
                "notes": None,
                "confidential": False,
                "job_post_id": 263533,
                "status": "open",
                "created_at": "2026-01-14T17:21:30Z",
                "opened_at": "2026-01-20T16:00:00Z",
                "closed_at": None,
                "departments": [],
                "offices": [],
                "custom_fields": {},
            }
        ],
    }
    if offer is not None:
        app["offer"] = offer
    return app


def delivery(action: str, **app: Any) -> dict[str, Any]:
    return {"action": action, "payload": {"application": application(**app)}}


def offer_created(
    application_id: int = 71980812,
    job_id: int = 274075,
    amount: Any = 135000,
    unit: str = "EUR",
    start_date: str = "06/01/2026",
    version: int = 1,
) -> dict[str, Any]:
    return {
        "action": "offer_created",
        "payload": {
            "id": 12345,
            "application_id": application_id,
            "job_id": job_id,
            "user_id": 67890,
            "version": version,
            "sent_on": None,
            "resolved_at": None,
            "start_date": start_date,
            "notes": "Vacation 4/20 - 4/23",
            "offer_status": "Created",
            "custom_fields": {
                "salary": {"name": "Salary", "type": "currency", "value": {"amount": amount, "unit": unit}},
                "seasons": {"name": "Seasons", "type": "multi_select", "value": ["Season 1"]},
            },
        },
    }


# --- Greenhouse: the job and application the webhook tests use, and a policy that maps them -----

JOB = 274075
APP = 71980812


def gh_policy(requisition_id: int, **ats: Any) -> Policy:
    return parse_policy({"ats": {
        "jobs": {JOB: requisition_id},
        "stages": {
            "Application Review": None,
            "Preliminary Phone Screen": None,
            "Take Home Test": {"trigger": "send_take_home", "due_in": "5d",
                               "payload": {"title": "RAG triage service", "role_profile": "applied_ai_engineer"}},
            "Face to Face": "advance_to_final",
            "Offer": None,
        },
        "sources": {"LinkedIn (Prospecting)": "direct_sourcing"},
        "rejection_reasons": {"Too Junior": "experience_level"},
        "offer": {"payload": {"reporting_line": "head of ML platform", "first_year_outcomes": ["ship evals"]}},
        **ats,
    }})  # fmt: skip
