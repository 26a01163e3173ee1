"""The console channel: readable lines on stdout. The embedded default (`hiring demo`, `hiring serve`)."""

import sys
from collections.abc import Callable

from notifications.delivery import Delivery, Recipient
from notifications.render import console_line
from states.text import visible


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class ConsoleChannel:
    """Prints one line per notice. Needs a recipient handle, not a directory entry: the console reaches
    whoever reads it, so a demo without a people directory still shows every escalation."""

    name = "console"

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self._write = write or _print

    def address(self, handle: str, recipient: Recipient | None) -> str:
        return f"{recipient.name} ({handle})" if recipient else handle

    def send(self, delivery: Delivery) -> None:
        for notice in sorted(delivery.notices, key=lambda n: n.outbox_id):
            # Names reach a terminal here: control characters (ESC, OSC 8, line breaks) are shown, not obeyed.
            self._write(visible(console_line(notice, delivery.context, delivery.address)))

    def close(self) -> None:
        pass
