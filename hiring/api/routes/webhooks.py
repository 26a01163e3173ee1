"""ATS webhooks: Greenhouse deliveries (signed, not bearer-protected), and what was received."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from hiring.api.deps import EngineDep, PolicyDep, documented_auth, now, responses
from hiring.api.errors import ApiError, problem
from hiring.api.schemas import Delivery, Problem, UnmappedEntry, WebhookReceipt
from hiring.queries.deliveries import STATUSES, list_deliveries, unmapped_summary
from hiring.webhooks import BadEventId, BadSignature, RetryLater, receive

GREENHOUSE_PATH = "/webhooks/greenhouse"
DeliveryStatus = Literal[STATUSES]  # type: ignore[valid-type]  # an enum for OpenAPI

public = APIRouter(tags=["webhooks"])
router = APIRouter(prefix="/webhooks", tags=["webhooks"], dependencies=[Depends(documented_auth)])

_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": 'A Greenhouse webhook body, signed as sent: {"action": ..., "payload": {...}}.',
                "properties": {"action": {"type": "string"}, "payload": {"type": "object"}},
            }
        }
    },
}


@public.post(
    GREENHOUSE_PATH,
    response_model=WebhookReceipt,
    responses={
        400: {"model": Problem, "description": "Greenhouse-Event-ID longer than 200 characters; nothing recorded."},
        401: {"model": Problem, "description": "Missing or wrong Signature (or no secret configured)."},
        409: {"model": Problem, "description": "Collided with a concurrent change; nothing recorded; retry."},
        413: {"model": Problem, "description": "Body too large."},
        503: {"model": Problem, "description": "Database not ready or busy."},
    },
    openapi_extra={"requestBody": _BODY, "security": []},
)
async def greenhouse(
    request: Request,
    engine: EngineDep,
    policy: PolicyDep,
    signature: Annotated[str | None, Header(alias="Signature", description="sha256 <hex HMAC of the body>")] = None,
    event_id: Annotated[str | None, Header(alias="Greenhouse-Event-ID", description="Delivery id.")] = None,
) -> dict[str, Any]:
    """Receive one Greenhouse delivery. Answered 200 once the signature is good, whatever it held: what it did
    (applied, unchanged, unmapped, refused, stale, ignored...) is recorded and listed by `hiring webhooks`."""
    body = await request.body()  # the raw bytes: the signature is over them exactly as sent
    secret = request.app.state.settings.greenhouse_secret
    headers = {"Signature": signature or "", "Greenhouse-Event-ID": event_id or ""}
    try:
        receipt = await run_in_threadpool(
            receive, engine, body, headers, secret.get_secret_value() if secret else None, now(), policy
        )
    except BadSignature as exc:
        raise ApiError(401, problem(401, str(exc))) from None
    except BadEventId as exc:
        raise ApiError(400, problem(400, str(exc))) from None
    except RetryLater as exc:
        raise ApiError(409, problem(409, f"{exc}; nothing was recorded, so a retry is safe")) from None
    return receipt.as_dict()


@router.get("/deliveries", response_model=list[Delivery], responses=responses(422))
def deliveries(
    engine: EngineDep,
    status: DeliveryStatus | None = None,
    unmapped: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """ATS deliveries, newest first, with what each one did."""
    return list_deliveries(engine, status, unmapped, limit)


@router.get("/unmapped", response_model=list[UnmappedEntry], responses=responses())
def unmapped(engine: EngineDep) -> list[dict[str, Any]]:
    """Each ATS stage name or job id that arrived without a mapping in the policy file, with counts."""
    return unmapped_summary(engine)
