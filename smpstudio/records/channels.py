"""How reminders reach a client: one :class:`Channel` interface; e-mail (SMTP) is implemented, an SMS
provider plugs in the same way (:class:`SmsChannel` with a :class:`SmsProvider`).

A channel sends one :class:`Message` or raises :class:`ChannelError` with a one-line reason (which the
reminder worker records as a failed attempt and retries).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from smpstudio.errors import SMPError
from smpstudio.records.models import Client
from smpstudio.records.settings import Settings


class ChannelError(SMPError):
    """A message could not be handed over (server down, refused, no address)."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Channel(Protocol):
    name: str

    def address(self, client: Client) -> str | None:
        """The client's address on this channel, if they have one."""

    def send(self, message: Message) -> None:
        """Hand ``message`` over; :class:`ChannelError` if that failed."""


class EmailChannel:
    """E-mail through an SMTP server: plain, STARTTLS or implicit TLS, with optional login."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        tls: str = "starttls",
        user: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        timeout_s: float = 20.0,
    ) -> None:
        if tls not in ("starttls", "ssl", "none"):
            raise ValueError(f"tls must be starttls, ssl or none, not {tls!r}")
        self.host, self.port, self.sender, self.tls = host, port, sender, tls
        self.user, self.password, self.timeout_s = user, password, timeout_s
        self.context = ssl.create_default_context(cafile=ca_file)

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailChannel:
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            tls=settings.smtp_tls,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            timeout_s=settings.smtp_timeout_s,
        )

    def address(self, client: Client) -> str | None:
        return client.email or None

    def send(self, message: Message) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, message.to, message.subject
        msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="smpstudio")
        msg.set_content(message.body)
        try:
            if self.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout_s, context=self.context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with smtp:
                if self.tls == "starttls":
                    smtp.starttls(context=self.context)
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise ChannelError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {str(exc)[:300]}") from None


class SmsProvider(Protocol):
    """An SMS gateway (none is reachable here): sends ``text`` to the E.164 number ``to``."""

    def send_sms(self, to: str, text: str) -> None: ...


class SmsChannel:
    """Text messages through an :class:`SmsProvider`; the subject leads the text."""

    name = "sms"

    def __init__(self, provider: SmsProvider) -> None:
        self.provider = provider

    def address(self, client: Client) -> str | None:
        return client.phone or None

    def send(self, message: Message) -> None:
        try:
            self.provider.send_sms(message.to, f"{message.subject}\n{message.body}")
        except ChannelError:
            raise
        except Exception as exc:  # a provider's own errors become one recorded line
            raise ChannelError(f"SMS provider: {type(exc).__name__}: {str(exc)[:300]}") from None
