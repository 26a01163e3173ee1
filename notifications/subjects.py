"""Who a notification is about. Outbox rows hold candidate ids and facts, never names: the names are read from
the candidate rows when a message is rendered (or a row is listed), so an erasure reaches every message that
has not gone out yet. An erased candidate renders as "erased candidate (#id)"; an unknown id as "candidate #id".
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from models.tables import Candidate
from models.tables_integrations import Erasure

ERASED_NAME = "erased candidate"
NAME_KEYS = ("candidate_name", "candidate_email")  # what older rows carried (migration 0005 removes them)
LISTS = ("overdue", "decisions_pending")  # the weekly digest's lists of candidates


def candidate_ids(payload: dict[str, Any]) -> set[int]:
    """Every candidate a payload is about: an escalation's own, and those in a weekly digest's lists."""
    ids = [payload.get("candidate_id")]
    ids += [item.get("candidate_id") for key in LISTS for item in _items(payload, key)]
    return {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}


def candidate_names(engine: Engine, ids: Iterable[int]) -> dict[int, str]:
    """Names by candidate id, as they are now; erased candidates by ERASED_NAME. Two queries for any count."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    with Session(engine) as session:
        names = dict(
            session.execute(select(col(Candidate.id), col(Candidate.name)).where(col(Candidate.id).in_(wanted))).all()
        )
        erased = set(
            session.execute(select(col(Erasure.candidate_id)).where(col(Erasure.candidate_id).in_(wanted))).scalars()
        )
    return {cid: ERASED_NAME if cid in erased else name for cid, name in names.items()}


def with_names(payload: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """A copy of the payload carrying the current names (in memory only, for the renderers); any name stored
    in the row itself is ignored."""
    out = _anonymous(payload)
    if out.get("candidate_id") in names:
        out["candidate_name"] = names[out["candidate_id"]]
    for key in LISTS:
        if key in out:
            out[key] = [_named(item, names) for item in _items(out, key)]
    return out


def _anonymous(payload: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in payload.items() if k not in NAME_KEYS}
    for key in LISTS:
        if key in out:
            out[key] = [{k: v for k, v in item.items() if k not in NAME_KEYS} for item in _items(out, key)]
    return out


def _named(item: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    cid = item.get("candidate_id")
    return {**item, "candidate_name": names[cid]} if cid in names else item


def _items(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = payload.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
