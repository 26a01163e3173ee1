"""The Slack channel, with slack_sdk: an incoming webhook (posts to its channel and mentions the person
with <@id>) or a bot token (a direct message to the person with chat.postMessage).

slack_sdk's own retry handlers are switched off: the dispatcher owns retries, so a failed attempt is
recorded in the outbox and rescheduled with back-off instead of sleeping inside the send.
"""

import logging
from typing import Any
from urllib.parse import urlsplit

from notifications.config import Scrubber, SlackConfig
from notifications.delivery import Delivery, Recipient
from notifications.errors import DeliveryError, Unreachable
from notifications.render import SLACK_HEADER_MAX, slack_escape, slack_mention, slack_message

log = logging.getLogger("notifications.slack")
# Web API errors worth another try; every other error code is permanent (channel_not_found, invalid_auth,
# user_not_found, not_in_channel, account_inactive, token_revoked, invalid_blocks, ...).
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)
DEFAULT_RETRY_AFTER = 30.0


class _ScrubFilter(logging.Filter):
    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self.scrub = scrub

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.scrub(record.getMessage()), ()
        return True


def _sdk_logger(scrub: Scrubber) -> logging.Logger:
    """A logger for slack_sdk that never emits its debug lines (they contain the webhook URL) and scrubs
    whatever it does emit. Private to this channel instance, attached under notifications.slack."""
    logger = logging.Logger("notifications.slack.sdk", level=logging.WARNING)
    logger.parent = log
    logger.addFilter(_ScrubFilter(scrub))
    return logger


def escaped(message: dict[str, Any], mention: str) -> dict[str, Any]:
    """The payload as Slack may parse it. Slack reads &, < and > as control characters in every text field
    (<!channel> pings a whole channel): the renderer escapes user text inside mrkdwn, where it writes markup
    of its own, and leaves the fallback `text` and plain_text raw; they are escaped here, all but the
    mention the fallback starts with (our own <@id>, or the name already escaped)."""
    text = str(message.get("text") or "")
    head = mention if mention and text.startswith(mention) else ""
    return {**message, "text": head + slack_escape(text[len(head) :]), "blocks": _plain_escaped(message["blocks"])}


def _plain_escaped(node: Any) -> Any:
    if isinstance(node, list):
        return [_plain_escaped(n) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "plain_text":
        return {**node, "text": _fit(slack_escape(str(node.get("text", ""))), SLACK_HEADER_MAX)}
    return {k: _plain_escaped(v) for k, v in node.items()}


def _fit(text: str, limit: int) -> str:
    """Cut escaped text to Slack's limit without splitting an entity (&amp; &lt; &gt;)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "\u2026"


def retry_after(headers: Any, default: float = DEFAULT_RETRY_AFTER) -> float:
    """Seconds from a Retry-After header (Slack sends whole seconds)."""
    value = None
    if headers:
        value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1.0, float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default


class SlackChannel:
    name = "slack"

    def __init__(self, config: SlackConfig, scrub: Scrubber, timeout: int = 10) -> None:
        self.config = config
        self.scrub = scrub
        self.timeout = timeout
        self._logger = _sdk_logger(scrub)
        self._client: Any = None

    # --- who ------------------------------------------------------------------------------------

    def address(self, handle: str, recipient: Recipient | None) -> str:
        if recipient is None:
            raise Unreachable(f"{handle!r} is not in the people directory (add them with `hiring people add`)")
        if recipient.slack_user_id:
            return recipient.slack_user_id
        if self.config.mode == "bot":
            raise Unreachable(
                f"{handle} has no Slack user id, which a Slack direct message needs "
                f"(`hiring people add --handle {handle} --slack-id U...`)"
            )
        return ""  # webhook: the channel sees the message; it names the person instead of mentioning them

    # --- how ------------------------------------------------------------------------------------

    def send(self, delivery: Delivery) -> None:
        recipient = delivery.recipient
        name = recipient.name if recipient else delivery.handle
        message = escaped(
            slack_message(delivery.notices, delivery.context, delivery.address or None, name),
            slack_mention(delivery.address or None, name),
        )
        if self.config.mode == "bot":
            self._post_message(delivery.address, message)
        else:
            self._post_webhook(message)

    def close(self) -> None:
        self._client = None

    def _unreachable(self, exc: Exception) -> DeliveryError:
        return DeliveryError(self.scrub(f"cannot reach Slack: {type(exc).__name__}: {exc}"))

    def webhook_url(self) -> str:
        """The webhook URL, with its host replaced by slack_base_url when that is set (tests)."""
        url = self.config.webhook_url or ""
        if self.config.base_url:
            parts = urlsplit(url)
            url = self.config.base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
        return url

    def _post_webhook(self, message: dict[str, Any]) -> None:
        from slack_sdk.webhook import WebhookClient

        if self._client is None:
            self._client = WebhookClient(
                url=self.webhook_url(), timeout=self.timeout, retry_handlers=[], logger=self._logger
            )
        try:
            resp = self._client.send_dict(message)
        except Exception as exc:
            raise self._unreachable(exc) from None
        if 200 <= resp.status_code < 300:
            return
        body = self.scrub((resp.body or "").strip())[:200]
        what = f"HTTP {resp.status_code} {body}".strip()
        if resp.status_code == 429:
            wait = retry_after(resp.headers)
            raise DeliveryError(f"Slack rate limit ({what}); retrying after {wait:.0f}s", retry_after=wait)
        if resp.status_code >= 500 or resp.status_code == 408:
            raise DeliveryError(f"Slack webhook failed: {what}")
        raise DeliveryError(f"Slack refused the message: {what}", permanent=True)

    def _post_message(self, channel: str, message: dict[str, Any]) -> None:
        from slack_sdk import WebClient
        from slack_sdk.errors import SlackApiError

        if self._client is None:
            kwargs: dict[str, Any] = {}
            if self.config.base_url:
                kwargs["base_url"] = self.config.base_url.rstrip("/") + "/api/"
            self._client = WebClient(
                token=self.config.bot_token, timeout=self.timeout, retry_handlers=[], logger=self._logger, **kwargs
            )
        try:
            self._client.chat_postMessage(
                channel=channel, text=message["text"], blocks=message["blocks"], unfurl_links=False, unfurl_media=False
            )
        except SlackApiError as exc:
            resp = exc.response
            data = resp.data if isinstance(resp.data, dict) else {}
            error = self.scrub(str(data.get("error") or ""))[:200]
            what = f"HTTP {resp.status_code} {error}".strip()
            if resp.status_code == 429 or error == "ratelimited":
                wait = retry_after(resp.headers)
                raise DeliveryError(
                    f"Slack rate limit ({what}); retrying after {wait:.0f}s", retry_after=wait
                ) from None
            if resp.status_code >= 500 or error in TRANSIENT_ERRORS:
                raise DeliveryError(f"Slack chat.postMessage failed: {what}") from None
            raise DeliveryError(f"Slack refused the message: {what}", permanent=True) from None
        except Exception as exc:
            raise self._unreachable(exc) from None
