"""Offers by market bucket: where each candidate's latest offer sat in the salary market data when it was
made (the `market` check hiring/offers.py records in the make_offer / revise_offer payload), how many were
below the profile's median bucket, and how those offers ended.

A pure function of the journeys the pipeline report walks (hiring/reports/metrics.py): the latest offer
package per candidate, so a revised offer counts once, in the bucket of its last terms.
"""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from states.stages import Stage

NO_CHECK = "no market check"  # offers recorded before the market check existed


class _Journey(Protocol):
    @property
    def offer(self) -> dict[str, Any] | None: ...
    @property
    def made_offer(self) -> bool: ...
    @property
    def accepted_at(self) -> datetime | None: ...
    @property
    def stage(self) -> str: ...


def _low_end(label: str) -> float:
    """Buckets in rising order by the first amount in their label ("120,000-160,000 USD", "above 200,000 USD";
    "below 120,000 USD" just under its amount); the offers without a check last."""
    found = re.search(r"\d[\d,]*", label)
    if not found or label == NO_CHECK:
        return float("inf")
    return float(found.group().replace(",", "")) - (0.5 if label.startswith("below") else 0.0)


def offers_by_market_bucket(journeys: Sequence[_Journey]) -> list[dict[str, Any]]:
    """One row per market bucket the offers fell in: offers, below the median bucket, accepted, declined,
    still open, and accepted / (accepted + declined)."""
    rows: dict[str, dict[str, Any]] = {}
    for j in journeys:
        if not j.made_offer:
            continue
        market = (j.offer or {}).get("market") or {}
        bucket = str(market.get("bucket") or NO_CHECK)
        row = rows.setdefault(
            bucket,
            {"bucket": bucket, "offers": 0, "below_median": 0, "accepted": 0, "declined": 0, "open": 0, "as_of": []},
        )
        row["offers"] += 1
        row["below_median"] += bool(market.get("below_median"))
        row["accepted"] += j.accepted_at is not None
        row["declined"] += j.stage == Stage.DECLINED
        row["open"] += j.stage == Stage.OFFER
        if market.get("as_of") and market["as_of"] not in row["as_of"]:
            row["as_of"].append(market["as_of"])
    out = sorted(rows.values(), key=lambda r: (_low_end(r["bucket"]), r["bucket"]))
    for row in out:
        answered = row["accepted"] + row["declined"]
        row["acceptance_rate"] = round(row["accepted"] / answered, 4) if answered else None
    return out
