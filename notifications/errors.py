"""How a delivery can fail, as the dispatcher needs to know it: retry later, or give up now."""


class DeliveryError(Exception):
    """A send failed.

    `permanent`: retrying cannot help (unknown channel, revoked token, refused address): the row goes dead.
    `retry_after`: seconds the channel asked us to wait before the next attempt (Slack's 429 Retry-After).
    The message must already be free of secrets: it is stored in `outbox.last_error` and logged.
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """No way to reach the recipient on this channel (no such person, no email, no Slack id)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"no reachable recipient: {reason}", permanent=True)
