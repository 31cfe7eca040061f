"""What is added to a case's timeline: comments, the author's further messages, Veche's own
notes, files."""

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.files import check_upload, safe_name
from veche.cases.models import Attachment, Case, Event
from veche.cases.services._common import _event, _lock, _require
from veche.org.access import Action
from veche.org.models import User


def add_comment(case: Case, text: str, *, by: User, now: datetime) -> Event:
    """An internal comment on the timeline, never shown to the citizen."""
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Пустой комментарий.")
    with transaction.atomic(durable=True):
        return _event(
            _lock(case, Action.WORK, by), Event.Kind.COMMENT, at=now, by=by, comment=text.strip()
        )


def add_citizen_message(case: Case, text: str, *, at: datetime, via: str) -> Event:
    """A further message from the author on an open conversation (a reply by e-mail, the next
    message in a chat): it goes on the timeline, it does not open a new case.

    Not durable: a channel records its delivery in the same transaction, so a message is
    never added twice by a retried delivery.
    """
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Пустое сообщение.")
    with transaction.atomic():
        return _event(
            Case.objects.select_for_update().get(pk=case.pk),
            Event.Kind.CITIZEN_MESSAGE,
            at=at,
            by=None,
            after={"via": via},
            comment=text.strip(),
        )


def add_system_note(case: Case, text: str, *, at: datetime) -> Event:
    """A note by Veche itself on the timeline (e.g. an attachment a channel had to refuse)."""
    with transaction.atomic():
        return _event(case, Event.Kind.COMMENT, at=at, by=None, comment=text)


def attach_file(case: Case, upload: UploadedFile, *, by: User | None, now: datetime) -> Attachment:
    """Store a file the citizen or an officer sent, after checking its size and its content
    (not its name): see `veche.cases.files`. Stored outside the web root, served only as a
    download to those who see the case."""
    kind = check_upload(upload)
    with transaction.atomic():
        if by is not None:
            _require(case, Action.WORK, by)
        item = Attachment(
            case=case,
            name=safe_name(upload.name or "file", kind),
            content_type=kind.mime,
            size=upload.size or 0,
        )
        item.file.save(f"{uuid.uuid4().hex}.{kind.extension}", upload, save=False)
        item.save()
        _event(
            case,
            Event.Kind.ATTACHMENT_ADDED,
            at=now,
            by=by,
            after={"attachment": item.pk, "name": item.name, "size": item.size},
        )
    return item


def attach_files(
    case: Case, uploads: Iterable[UploadedFile], *, by: User | None, now: datetime
) -> list[str]:
    """Attach each file on its own; a refused one does not stop the others. Returns why each
    refused file was refused, for the caller to show or to note on the timeline."""
    refused = []
    for upload in uploads:
        try:
            attach_file(case, upload, by=by, now=now)
        except CaseError as exc:
            refused.append(exc.message)
    return refused
