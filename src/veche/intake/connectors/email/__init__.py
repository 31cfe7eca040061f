"""E-mail: letters in an IMAP mailbox become cases; answers go back by SMTP.

The mailbox is opened read-only (EXAMINE): nothing is flagged, moved or deleted, so the
officers' mail client sees the mailbox as it was. What has been read is remembered in
`Source.cursor` as `{"uidvalidity": …, "uid": …}` (RFC 3501 §2.3.1.1), not by \\Seen flags, so
reading a letter in a mail client never hides it from Veche and a restart continues where the
last poll stopped. Every letter is keyed by its Message-ID (a hash of its header when it has
none), so even a rebuilt mailbox (a new UIDVALIDITY) never imports a letter twice.

Memory stays bounded: sizes are read first (RFC822.SIZE); a letter above `max_letter_mb` is
not downloaded, only its header and the first megabyte (its text, usually), and the timeline
says the rest stayed in the mailbox; one poll stops after `batch_mb`; an attachment larger than
VECHE_MAX_ATTACHMENT_BYTES is refused with a note before it is decoded.

Letters written by machines (auto-replies, bounces: RFC 3834 `Auto-Submitted`,
`multipart/report`) are skipped, so an autoresponder and our receipts cannot loop.

The modules: `config` reads `Source.config`, `imap` reads the mailbox, `letters` (with
`html_text`) turns a letter into an `Inbound`, `smtp` writes and sends the answers.

`Source.config` keys (only `host` and `username` are required):

    host              IMAP server
    port              993 with "ssl", 143 otherwise
    security          "ssl" (default) | "starttls" | "plain" (a trusted network only)
    username          mailbox login
    password          … or password_env: the name of an environment variable holding it
    folder            the folder to read, "INBOX"
    ca_file           a CA bundle to trust (a server with the municipality's own CA)
    timeout           seconds per network operation, 30
    regime            regime of new cases: "message" (default), "appeal" (59-ФЗ: a letter to
                      the administration is usually one, DOMAIN.md §1.2), "info_request"
    import_existing   true (default): the first poll takes the letters already there;
                      false: only letters that arrive after the first poll
    max_letter_mb     64: a larger letter is not downloaded whole (see above)
    batch_mb          64: a poll stops after downloading this much; the rest waits
    batch_letters     100: at most this many letters per poll
    smtp_host         SMTP server for answers; `host` by default
    smtp_port         465 with "ssl", 587 with "starttls", 25 with "plain"
    smtp_security     "starttls" (default) | "ssl" | "plain"
    smtp_username     `username` by default; "" for a relay without authentication
    smtp_password     … or smtp_password_env; the IMAP password by default
    from_address      the sender of answers, `username` by default
    from_name         its display name, e.g. "МЦУ Демо муниципального округа"
    send_receipt      true (default): a registration receipt goes back (intake services)
"""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from veche.catalog.models import Channel
from veche.intake.connectors.base import Inbound, PullOnly
from veche.intake.connectors.email.html_text import html_to_text
from veche.intake.connectors.email.imap import fetch_letters
from veche.intake.connectors.email.letters import parse_letter
from veche.intake.connectors.email.smtp import reply_letter, reply_subject, smtp_send

if TYPE_CHECKING:
    from veche.intake.models import Outbound, Source

__all__ = ["EmailConnector", "connector", "html_to_text", "parse_letter", "reply_subject"]


class EmailConnector(PullOnly):
    channel: ClassVar[str] = Channel.Code.EMAIL
    shared_ids: ClassVar[bool] = True  # a Message-ID names one letter whatever the mailbox

    def fetch(self, source: "Source", now: datetime) -> Sequence[Inbound]:
        return fetch_letters(source, now=now)

    def send(self, source: "Source", outbound: "Outbound") -> str:
        letter = reply_letter(source, outbound)
        smtp_send(source, letter)
        return str(letter["Message-ID"]).strip().strip("<>")


connector = EmailConnector()
