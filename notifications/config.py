"""What the dispatcher is told by its caller: batch and retry limits, how to show times, and where each
channel's configuration comes from (values, or the name of a Prefect block to load when the channel is used).

The application builds it from its settings (hiring/bootstrap.py); notifications/ never reads settings itself.
Values are trusted here: they were checked at the edge, when the settings were read.

Below them, what the channels are handed: the configuration resolved from those values or from Prefect blocks.
Prefect is imported only when a block name is configured and the channel is about to be used. Every secret
value met on the way is registered with a `Scrubber`, which removes it from any text that could be logged or
stored (error messages, `outbox.last_error`).
"""

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from notifications.errors import DeliveryError


@dataclass(frozen=True)
class SlackSetup:
    """Slack as configured: a webhook URL or a bot token, or the Prefect blocks that hold them."""

    webhook_url: str | None = field(default=None, repr=False)
    bot_token: str | None = field(default=None, repr=False)
    base_url: str | None = None  # another API host (tests point it at a local server)
    webhook_block: str | None = None  # prefect-slack SlackWebhook block name
    credentials_block: str | None = None  # prefect-slack SlackCredentials block name


@dataclass(frozen=True)
class EmailSetup:
    """An SMTP relay as configured, or the Prefect EmailServerCredentials block that describes it."""

    sender: str  # the From header
    host: str | None = None
    port: int = 587
    security: str = "starttls"  # starttls | ssl | plain
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    credentials_block: str | None = None


@dataclass(frozen=True)
class DispatchConfig:
    batch_size: int  # rows claimed per transaction
    max_attempts: int  # attempts before a row goes dead
    claim_timeout_seconds: int  # a claim older than this is taken back (its dispatcher died)
    digest: bool  # several rows to one person on one channel: one message
    timezone: str  # times are shown in the recipient's zone, else in this one
    ats_link_template: str | None  # a link to the candidate in the ATS, e.g. https://ats.example.com/c/{candidate_id}
    slack: SlackSetup
    email: EmailSetup


REDACTED = "[redacted]"
# Shapes of Slack secrets, scrubbed even when we did not configure them ourselves.
_SLACK_PATTERNS = (
    re.compile(r"xox[a-z]-[A-Za-z0-9-]+"),
    re.compile(r"https?://hooks\.slack(?:-gov)?\.com/\S+"),
    re.compile(r"/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+"),
)


class Scrubber:
    """Replaces every known secret (and its URL-encoded form) with [redacted]."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if not secret or len(secret) < 4:
                continue
            self._secrets.update({secret, quote(secret, safe=""), quote(secret)})
            parts = urlsplit(secret)
            if parts.scheme and parts.path.strip("/"):
                # A webhook URL is a secret as a whole and in its path (the last segment is the key).
                self._secrets.add(parts.path)
                self._secrets.update(seg for seg in parts.path.split("/") if len(seg) >= 12)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        for pattern in _SLACK_PATTERNS:
            text = pattern.sub(REDACTED, text)
        return text


@dataclass(frozen=True, repr=False)
class SlackConfig:
    webhook_url: str | None
    bot_token: str | None
    base_url: str | None

    @property
    def mode(self) -> str:
        """'bot' (direct message to the person) when a bot token is configured, else 'webhook'."""
        return "bot" if self.bot_token else "webhook"

    def __repr__(self) -> str:  # never print the secrets
        return f"SlackConfig(mode={self.mode!r}, base_url={self.base_url!r})"


@dataclass(frozen=True, repr=False)
class SmtpConfig:
    host: str
    port: int
    security: str  # starttls | ssl | plain
    username: str | None
    password: str | None
    sender: str
    verify: bool = True

    def __repr__(self) -> str:
        return f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r})"


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    raw = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return raw or None


def _load_block(kind: str, name: str) -> Any:
    """Load a Prefect block by name. Imported here, lazily: only configurations that name a block pay it."""
    try:
        if kind == "SlackWebhook":
            from prefect_slack import SlackWebhook as block_type
        elif kind == "SlackCredentials":
            from prefect_slack import SlackCredentials as block_type
        else:
            from prefect_email import EmailServerCredentials as block_type
        return block_type.load(name)
    except ValueError as exc:  # Prefect: "Unable to find block document named ..."
        raise DeliveryError(f"Prefect block {kind} {name!r} could not be loaded: {exc}", permanent=True) from None
    except Exception as exc:  # the Prefect API is unreachable: try again later
        raise DeliveryError(f"Prefect block {kind} {name!r} could not be loaded ({type(exc).__name__})") from None


def slack_config(setup: SlackSetup, scrub: Scrubber) -> SlackConfig:
    token, url = setup.bot_token, setup.webhook_url
    if token is None and setup.credentials_block:
        token = _secret(_load_block("SlackCredentials", setup.credentials_block).token)
    if token is None and url is None and setup.webhook_block:
        url = _secret(_load_block("SlackWebhook", setup.webhook_block).url)
    scrub.add(token, url)
    if token is None and url is None:
        raise DeliveryError(
            "Slack is not configured in this dispatcher: set HIRING_SLACK_WEBHOOK_URL or HIRING_SLACK_BOT_TOKEN "
            "(or name a Prefect block in HIRING_SLACK_WEBHOOK_BLOCK / HIRING_SLACK_CREDENTIALS_BLOCK)",
            permanent=True,
        )
    return SlackConfig(webhook_url=url, bot_token=token, base_url=setup.base_url)


_BLOCK_SECURITY = {"SSL": "ssl", "STARTTLS": "starttls", "INSECURE": "plain"}


def login_forms(username: str | None, password: str | None) -> list[str]:
    """The SMTP login as it travels, for the scrubber: a server may quote the AUTH exchange in its 535 reply.
    AUTH PLAIN sends base64("authzid NUL user NUL password"), AUTH LOGIN base64(user) and base64(password)."""
    user, pw = username or "", password or ""
    forms = [user, pw, *(_b64(f"{authz}\0{user}\0{pw}") for authz in ("", user)), _b64(user), _b64(pw)]
    return [f for f in forms if f]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode() if text else ""


def smtp_config(setup: EmailSetup, scrub: Scrubber) -> SmtpConfig:
    scrub.add(*login_forms(setup.username, setup.password))
    if setup.credentials_block and not setup.host:  # configured values first, as for Slack
        return _smtp_from_block(setup.credentials_block, setup.sender, scrub)
    if not setup.host:
        raise DeliveryError(
            "email is not configured in this dispatcher: set HIRING_SMTP_HOST (or name a Prefect "
            "EmailServerCredentials block in HIRING_EMAIL_CREDENTIALS_BLOCK)",
            permanent=True,
        )
    return SmtpConfig(
        host=setup.host,
        port=setup.port,
        security=setup.security,
        username=setup.username,
        password=setup.password,
        sender=setup.sender,
    )


def _smtp_from_block(name: str, sender: str, scrub: Scrubber) -> SmtpConfig:
    block = _load_block("EmailServerCredentials", name)
    block_password = _secret(block.password)
    scrub.add(*login_forms(block.username, block_password))
    server = getattr(block.smtp_server, "value", block.smtp_server)
    security = _BLOCK_SECURITY.get(getattr(block.smtp_type, "name", str(block.smtp_type)).upper(), "starttls")
    port = block.smtp_port or getattr(block.smtp_type, "value", 587)
    return SmtpConfig(
        host=str(server),
        port=int(port),
        security=security,
        username=block.username,
        password=block_password,
        sender=sender,
        verify=block.verify is not False,
    )


def config_scrubber(config: DispatchConfig) -> Scrubber:
    """A scrubber that knows the secrets the caller passed (blocks add theirs when loaded)."""
    return Scrubber([config.slack.webhook_url, config.slack.bot_token, config.email.password])
