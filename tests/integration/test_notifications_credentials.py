"""Channel configuration: settings first, Prefect blocks when named, and the scrubber that hides secrets."""

from typing import Any

import pytest

from hiring.bootstrap import dispatch_config
from notifications import config as channel_config
from notifications.config import (
    DispatchConfig,
    EmailSetup,
    Scrubber,
    SlackSetup,
    config_scrubber,
    slack_config,
    smtp_config,
)
from notifications.errors import DeliveryError
from tests.support.notify import settings


def test_scrubber_hides_secrets_their_encodings_and_slack_shaped_values() -> None:
    hook = "https://hooks.slack.com/services/T01/B02/abcdefghijklmnop"
    scrub = Scrubber([hook, "p@ss word!", None, ""])
    text = scrub(
        f"POST {hook} failed; path /services/T01/B02/abcdefghijklmnop; key abcdefghijklmnop; "
        "pw p@ss word! or p%40ss%20word%21; other token xoxb-123-456-abc"
    )
    assert "abcdefghijklmnop" not in text and "p@ss" not in text and "p%40ss" not in text and "xoxb" not in text
    assert text.count("[redacted]") >= 5


def test_settings_come_first_and_secrets_are_registered(db_url: str) -> None:
    s = settings(
        db_url,
        slack_webhook_url="https://hooks.slack.com/services/T1/B1/secretsecret123",
        slack_bot_token="xoxb-1-2-secret",
        smtp_host="mail.example.com",
        smtp_password="hunter2hunter2",
    )
    config = dispatch_config(s)
    scrub = config_scrubber(config)
    slack = slack_config(config.slack, scrub)
    assert slack.mode == "bot" and "secret" not in repr(slack)
    smtp = smtp_config(config.email, scrub)
    assert (smtp.host, smtp.port, smtp.security) == ("mail.example.com", 587, "starttls")
    assert smtp.password == "hunter2hunter2"
    assert "hunter2" not in repr(smtp)
    assert scrub("xoxb-1-2-secret hunter2hunter2 secretsecret123") == "[redacted] [redacted] [redacted]"


def test_nothing_configured_is_a_permanent_error_naming_the_settings(db_url: str) -> None:
    with pytest.raises(DeliveryError) as slack_err:
        slack_config(dispatch_config(settings(db_url)).slack, Scrubber())
    assert slack_err.value.permanent and "HIRING_SLACK_WEBHOOK_URL" in slack_err.value.reason
    with pytest.raises(DeliveryError) as smtp_err:
        smtp_config(dispatch_config(settings(db_url)).email, Scrubber())
    assert smtp_err.value.permanent and "HIRING_SMTP_HOST" in smtp_err.value.reason


def test_prefect_blocks_named_in_settings(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_email import EmailServerCredentials
    from prefect_slack import SlackCredentials, SlackWebhook

    blocks: dict[tuple[str, str], Any] = {
        ("SlackCredentials", "bot"): SlackCredentials(token="xoxb-from-block-1"),
        ("SlackWebhook", "hook"): SlackWebhook(url="https://hooks.slack.com/services/T9/B9/fromblockfromblock"),
        ("EmailServerCredentials", "mail"): EmailServerCredentials(
            smtp_server="smtp.block.example", smtp_type="SSL", username="bot", password="block-password-1"
        ),
    }
    monkeypatch.setattr(channel_config, "_load_block", lambda kind, name: blocks[(kind, name)])
    scrub = Scrubber()

    bot = slack_config(dispatch_config(settings(db_url, slack_credentials_block="bot")).slack, scrub)
    assert bot.bot_token == "xoxb-from-block-1"
    hook = slack_config(dispatch_config(settings(db_url, slack_webhook_block="hook")).slack, scrub)
    assert (hook.mode, hook.webhook_url) == ("webhook", "https://hooks.slack.com/services/T9/B9/fromblockfromblock")
    smtp = smtp_config(dispatch_config(settings(db_url, email_credentials_block="mail")).email, scrub)
    assert (smtp.host, smtp.port, smtp.security, smtp.username, smtp.password) == (
        "smtp.block.example",
        465,
        "ssl",
        "bot",
        "block-password-1",
    )
    assert scrub("block-password-1 fromblockfromblock xoxb-from-block-1").count("[redacted]") == 3


def test_a_missing_block_is_permanent_an_unreachable_api_is_not(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_slack import SlackWebhook

    def missing(name: str) -> None:
        raise ValueError(f"Unable to find block document named {name} for block type slack-webhook")

    monkeypatch.setattr(SlackWebhook, "load", missing)
    with pytest.raises(DeliveryError) as err:
        slack_config(dispatch_config(settings(db_url, slack_webhook_block="nope")).slack, Scrubber())
    assert err.value.permanent and "Unable to find block document named nope" in err.value.reason

    def down(name: str) -> None:
        raise ConnectionError("the Prefect API is down")

    monkeypatch.setattr(SlackWebhook, "load", down)
    with pytest.raises(DeliveryError) as err:
        slack_config(dispatch_config(settings(db_url, slack_webhook_block="hook")).slack, Scrubber())
    assert not err.value.permanent and "(ConnectionError)" in err.value.reason


def test_the_application_hands_the_dispatcher_every_setting_it_reads(db_url: str) -> None:
    """notifications/ reads no settings: everything it used to read arrives in its DispatchConfig."""
    s = settings(
        db_url,
        slack_webhook_url="https://hooks.slack.com/services/T1/B1/secretsecret123",
        slack_bot_token="xoxb-1-2-secret",
        slack_base_url="http://127.0.0.1:9",
        slack_webhook_block="hook",
        slack_credentials_block="bot",
        smtp_host="mail.example.com",
        smtp_port=465,
        smtp_security="ssl",
        smtp_username="robot",
        smtp_password="hunter2hunter2",
        email_from="Hiring <hiring@acme.example>",
        email_credentials_block="mail",
        digest=False,
        dispatch_batch_size=5,
        dispatch_max_attempts=3,
        dispatch_claim_timeout_seconds=60,
        timezone="Europe/Paris",
        ats_link_template="https://ats.example.com/c/{candidate_id}",
    )
    config = dispatch_config(s)
    assert config == DispatchConfig(
        batch_size=5,
        max_attempts=3,
        claim_timeout_seconds=60,
        digest=False,
        timezone="Europe/Paris",
        ats_link_template="https://ats.example.com/c/{candidate_id}",
        slack=SlackSetup(
            webhook_url="https://hooks.slack.com/services/T1/B1/secretsecret123",
            bot_token="xoxb-1-2-secret",
            base_url="http://127.0.0.1:9",
            webhook_block="hook",
            credentials_block="bot",
        ),
        email=EmailSetup(
            sender="Hiring <hiring@acme.example>",
            host="mail.example.com",
            port=465,
            security="ssl",
            username="robot",
            password="hunter2hunter2",
            credentials_block="mail",
        ),
    )
    assert "secret" not in repr(config) and "hunter2" not in repr(config)
    defaults = dispatch_config(settings(db_url))
    assert (defaults.batch_size, defaults.max_attempts, defaults.claim_timeout_seconds, defaults.digest) == (
        200,
        8,
        300,
        True,
    )
    assert (defaults.slack.webhook_url, defaults.slack.bot_token, defaults.email.password) == (None, None, None)
