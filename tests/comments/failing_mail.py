"""A mailer for tests of a mail outage: every send fails like a dropped SMTP connection."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (test outage)")


class RefusingBackend(BaseEmailBackend):
    """The server answers RCPT TO with ``REPLY`` (code, text), as for an address that does not exist."""

    REPLY = (550, b"5.1.1 <gone@example.com>: Recipient address rejected: User unknown")

    def send_messages(self, messages):
        recipients = {address: self.REPLY for message in messages for address in message.recipients()}
        raise smtplib.SMTPRecipientsRefused(recipients)
