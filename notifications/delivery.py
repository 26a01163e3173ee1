"""What the dispatcher hands a channel: the notices of one message and whom they go to."""

from dataclasses import dataclass
from datetime import datetime

from notifications.render import Context, Notice


@dataclass(frozen=True)
class Recipient:
    """A person of the directory, as the channels need them (a plain snapshot, no database session)."""

    handle: str
    name: str
    email: str | None
    slack_user_id: str | None
    role: str
    timezone: str = "UTC"


@dataclass(frozen=True)
class Delivery:
    """One message: one notice, or several for the same recipient and channel (a digest)."""

    notices: list[Notice]
    handle: str | None
    recipient: Recipient | None
    address: str  # what the channel resolved: a Slack user id, an email address, a console label
    context: Context
    now: datetime

    @property
    def outbox_ids(self) -> list[int]:
        return sorted(n.outbox_id for n in self.notices)
