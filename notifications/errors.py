"""The errors notifications raise.

A delivery failure (`DeliveryError`) tells the dispatcher whether to retry later or give up now. A request
about the outbox that cannot be done (`OutboxRefused` and its kinds) is one of the request errors of
states/errors.py, so the CLI and the API map it like any other: invalid input, not found, conflict.
"""

from states.errors import Conflict, InvalidInput, NotFound


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


class UnknownOutboxStatus(InvalidInput):
    """Exit 2 / HTTP 422: a listing asked for a status the outbox does not have."""


class NoSuchOutboxRow(NotFound):
    """Exit 4 / HTTP 404."""


class NotRetryable(Conflict):
    """Exit 3 / HTTP 409: the row was sent, or is being sent right now."""
