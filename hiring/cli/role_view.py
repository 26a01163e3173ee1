"""The sections of `hiring role show` beyond the definition: warnings, profile, sourcing, market, channel fit.

Every value is shown through `plain` (never markup): a requisition is text people wrote.
"""

from typing import Any

from rich.table import Table
from rich.text import Text

from hiring.terminal import line, plain


def answer_text(value: Any) -> str | None:
    """A role-definition answer as one line: the chosen options, then the words."""
    if not isinstance(value, dict):
        return None if value is None else str(value)
    kinds = ", ".join(str(k) for k in value.get("kinds") or [])
    detail = value.get("detail")
    if kinds and detail:
        return f"[{kinds}] {detail}"
    return kinds or detail


def warning_lines(title: str, warnings: list[dict[str, Any]] | None) -> list[Text]:
    return [line((f"{title}: ", "yellow"), (str(w["code"]), "bold"), " - ", str(w["message"])) for w in warnings or []]


def profile_lines(profile: dict[str, Any] | None) -> list[Text]:
    if not profile:
        return []
    return [
        line(("profile focus: ", "bold"), str(profile["focus"])),
        line(("key skills: ", "bold"), ", ".join(str(s) for s in profile["key_skills"])),
        line(("sample question: ", "bold"), str(profile["sample_question"])),
    ]


def sourcing_table(sourcing: list[dict[str, Any]] | None) -> list[Table]:
    if not sourcing:
        return []
    table = Table("channel", "look for", "trade-off", title="recommended sourcing channels")
    for s in sourcing:
        table.add_row(plain(s["channel"]), plain(s["look_for"]), plain(s["trade_off"]))
    return [table]


def market_lines(market: dict[str, Any] | None) -> list[Text]:
    if not market:
        return [line(("market: ", "bold"), "no salary band yet")]
    head = line(
        ("market: ", "bold"),
        f"{market['source']} ({market['region']}, {market['as_of']}); median bucket {market['median_bucket']}",
        f", average {market['average_salary']:,} {market['currency']}" if market.get("average_salary") else "",
    )
    if not market["comparable"]:
        return [head, line(("band vs market: ", "bold"), str(market["note"]))]
    where = f"min in {market['band_min_in']}, max in {market['band_max_in']}"
    return [head, line(("band vs market: ", "bold"), where)]


def channel_fit_table(fit: list[dict[str, Any]] | None) -> list[Table]:
    if not fit:
        return []
    table = Table("channel", "recommended", "candidates", "hires", title="channel fit (this requisition)")
    for row in fit:
        table.add_row(
            plain(row["channel"]),
            "yes" if row["recommended"] is True else "no",
            str(row["candidates"]),
            str(row["hires"]),
        )
    return [table]


def checks_and_advice(r: dict[str, Any]) -> list[Table | Text]:
    """Everything `role show` adds after the definition table. The warnings given at open are shown as such;
    today's checks only where they differ (a draft: what opening will warn about)."""
    at_open = r.get("warnings_at_open")
    now = [w for w in r.get("warnings") or [] if w not in (at_open or [])]
    return [
        *warning_lines("warned at open", at_open),
        *warning_lines("warning now" if at_open is not None else "warning at open", now),
        *profile_lines(r.get("profile")),
        *market_lines(r.get("market")),
        *sourcing_table(r.get("sourcing")),
        *channel_fit_table(r.get("channel_fit")),
    ]
