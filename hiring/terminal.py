"""User text on a terminal: always a Rich `Text` (never parsed as markup, so `[/]` or `[link=...]` in a
name is shown, not interpreted), with control characters made visible (see states/text.py).

Every CLI view builds its output from these two helpers instead of markup strings with values in them.
"""

from datetime import datetime

from rich.text import Text

from states.text import visible

Part = str | Text | tuple[str, str]


def plain(value: object, style: str = "", keep_newlines: bool = False) -> Text:
    """One value as text: None shows as '-'."""
    shown = "-" if value is None else str(value)
    return Text(visible(shown, keep_newlines), style=style)


def line(*parts: Part) -> Text:
    """A line from pieces: strings and (string, style) pairs are shown as text, never as markup."""
    return Text.assemble(*(_part(p) for p in parts))


def _part(part: Part) -> Text:
    if isinstance(part, Text):
        return part
    if isinstance(part, tuple):
        return plain(part[0], part[1])
    return plain(part)


def local(value: datetime | None) -> str:
    """A stored UTC time shown in the configured time zone."""
    if value is None:
        return "-"
    from zoneinfo import ZoneInfo

    from hiring.settings import get_settings

    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M %Z")
