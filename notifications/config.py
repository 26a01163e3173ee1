"""What the dispatcher is told by its caller: batch and retry limits, how to show times, and where each
channel's configuration comes from (values, or the name of a Prefect block to load when the channel is used).

The application builds it from its settings (hiring/dispatch.py); notifications/ never reads settings itself.
Values are trusted here: they were checked at the edge, when the settings were read.
"""

from dataclasses import dataclass, field


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
