"""The email channel: SMTP with STARTTLS, SSL or plain, with auth; a text and an HTML part.

The Message-ID is derived from the outbox row id(s) and the sender's domain, so a resend (after a
dispatcher crash between send and mark-sent) carries the same Message-ID and mail clients and servers
that deduplicate on it show one message.
"""

import contextlib
import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from notifications.config import Scrubber, SmtpConfig
from notifications.delivery import Delivery, Recipient
from notifications.errors import DeliveryError, Unreachable
from notifications.render import email_message
from states.text import one_line

DEFAULT_DOMAIN = "hiring-pipeline.localhost"


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain or DEFAULT_DOMAIN


def message_id(outbox_ids: list[int], domain: str) -> str:
    """<hiring-outbox-12@example.com>, <hiring-outbox-12-13-14@...>; a long digest hashes its ids."""
    ids = sorted(outbox_ids)
    if len(ids) <= 8:
        local = "hiring-outbox-" + "-".join(str(i) for i in ids)
    else:
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:20]
        local = f"hiring-outbox-{ids[0]}-n{len(ids)}-{digest}"
    return f"<{local}@{domain}>"


def build_message(delivery: Delivery, sender: str) -> EmailMessage:
    recipient = delivery.recipient
    parts = email_message(delivery.notices, delivery.context, recipient.name if recipient else None)
    msg = EmailMessage()
    msg["From"] = sender
    # Names are user text: a line break in one would end the header (or fail it); the body keeps them as written.
    msg["To"] = formataddr((one_line(recipient.name), delivery.address)) if recipient else delivery.address
    msg["Subject"] = one_line(parts.subject)
    msg["Date"] = format_datetime(delivery.now)
    msg["Message-ID"] = message_id(delivery.outbox_ids, sender_domain(sender))
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    msg["X-Hiring-Outbox-Ids"] = ",".join(str(i) for i in delivery.outbox_ids)
    msg.set_content(parts.text)
    msg.add_alternative(parts.html, subtype="html")
    return msg


def _permanent(code: int) -> bool:
    return 500 <= code < 600


class EmailChannel:
    name = "email"

    def __init__(self, config: SmtpConfig, scrub: Scrubber, timeout: float = 20) -> None:
        self.config = config
        self.scrub = scrub
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None
        self._connect_error: DeliveryError | None = None

    def address(self, handle: str, recipient: Recipient | None) -> str:
        if recipient is None:
            raise Unreachable(f"{handle!r} is not in the people directory (add them with `hiring people add`)")
        if not recipient.email:
            raise Unreachable(f"{handle} has no email address (`hiring people add --handle {handle} --email ...`)")
        address = parseaddr(recipient.email)[1]
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain or " " in address:
            raise DeliveryError(f"invalid email address for {handle}: {recipient.email!r}", permanent=True)
        return address

    def send(self, delivery: Delivery) -> None:
        msg = build_message(delivery, self.config.sender)
        envelope_from = parseaddr(self.config.sender)[1] or self.config.sender
        conn = self._connection()
        try:
            conn.send_message(msg, from_addr=envelope_from, to_addrs=[delivery.address])
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop()
            code, text = next(iter(exc.recipients.values()), (450, b"refused"))
            raise self._error(f"SMTP server refused {delivery.address}: {code} {_text(text)}", code) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
            self._drop()
            raise self._error(
                f"SMTP server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}", exc.smtp_code
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(self.scrub(f"SMTP send failed: {type(exc).__name__}: {exc}")) from None

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._conn.quit()
        self._conn = None

    # --- the connection, opened once per dispatch run --------------------------------------------

    def _error(self, text: str, code: int) -> DeliveryError:
        return DeliveryError(self.scrub(text), permanent=_permanent(code))

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        if self._connect_error is not None:  # the server was down a moment ago: do not wait on it again
            raise self._connect_error
        cfg = self.config
        where = f"{cfg.host}:{cfg.port}"
        context = ssl.create_default_context()
        if not cfg.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        conn: smtplib.SMTP | None = None
        try:
            if cfg.security == "ssl":
                conn = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=self.timeout, context=context)
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
                if cfg.security == "starttls":
                    conn.starttls(context=context)
            if cfg.username:
                conn.login(cfg.username, cfg.password or "")
        except (smtplib.SMTPException, OSError) as exc:  # ssl errors are OSErrors
            _quietly_close(conn)
            err = DeliveryError(self.scrub(_connect_failure(exc, where, cfg)), permanent=_is_permanent(exc))
            self._connect_error = err
            raise err from None
        self._conn = conn
        return conn


def _connect_failure(exc: Exception, where: str, cfg: Any) -> str:
    """Why connecting or logging in failed, in words that say what to fix."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # The reply may quote the AUTH exchange: the caller scrubs the login (raw and base64) from it.
        return (
            f"SMTP login to {where} refused (check HIRING_SMTP_USERNAME and HIRING_SMTP_PASSWORD): "
            f"{exc.smtp_code} {_text(exc.smtp_error)}"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"SMTP server {where} does not support what HIRING_SMTP_SECURITY={cfg.security} needs: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate of {where} not trusted: {exc.verify_message}"
    return f"cannot reach SMTP server {where}: {type(exc).__name__}: {exc}"


def _is_permanent(exc: Exception) -> bool:
    """A refused login, a missing feature or an untrusted certificate will not fix itself; a network error may."""
    return isinstance(
        exc, smtplib.SMTPAuthenticationError | smtplib.SMTPNotSupportedError | ssl.SSLCertVerificationError
    )


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _quietly_close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with contextlib.suppress(OSError):
            conn.close()
