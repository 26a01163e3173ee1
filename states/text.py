"""User text made safe to show: control characters become visible escapes, so a name can neither move
the cursor, recolour or clear a terminal (ESC, CSI), plant a hyperlink (OSC 8), nor break a line or a header."""

import re

# C0 and C1 controls, DEL, and the characters that end a line or reorder text without being controls.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def visible(text: str, keep_newlines: bool = False) -> str:
    """`text` with every unsafe character shown as its escape (ESC as \\x1b, a line break as \\n).
    `keep_newlines` keeps \\n as a line break (messages of several lines)."""
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(_escape, line) for line in text.split("\n"))
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` for a single-line field (an email header): every unsafe character becomes a space."""
    return " ".join(_UNSAFE.sub(" ", text).split())


def no_nul(text: str) -> str:
    """Refuse NUL: PostgreSQL cannot store it in a text column, and no real name or id holds one."""
    if "\x00" in text:
        raise ValueError("may not contain a NUL (\\x00) character")
    return text
