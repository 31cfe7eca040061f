"""What a citizen may attach, judged by the file's content, never by its name or the type the
sender claimed (ARCHITECTURE.md, «uploads checked by content, size-limited»)."""

import re
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from veche.cases.errors import CaseError, ErrorCode


@dataclass(frozen=True)
class FileKind:
    extension: str
    mime: str


# Photos, scans, documents, short videos and voice messages: what citizens actually send.
ALLOWED = {
    "jpg", "png", "gif", "webp", "heic", "avif", "bmp", "tif",
    "pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "rtf",
    "mp4", "mov", "3gp", "webm", "mp3", "m4a", "ogg", "amr", "wav",
}  # fmt: skip
TEXT = FileKind("txt", "text/plain")
_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def check_upload(upload: UploadedFile) -> FileKind:
    """The file's real kind, or a `CaseError` saying why it is refused."""
    limit = settings.VECHE_MAX_ATTACHMENT_BYTES
    size = upload.size or 0
    if size > limit:
        raise CaseError(
            ErrorCode.INVALID,
            f"Файл «{upload.name}» больше допустимого ({size // 2**20} МБ > {limit // 2**20} МБ).",
        )
    if size == 0:
        raise CaseError(ErrorCode.INVALID, f"Файл «{upload.name}» пустой.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    found = filetype.guess(head)
    if found is not None and found.extension in ALLOWED:
        return FileKind(found.extension, found.mime)
    if found is None and _is_text(head):
        return TEXT
    raise CaseError(
        ErrorCode.INVALID,
        f"Файл «{upload.name}» не принят: допустимы фото, видео, аудио, PDF и офисные документы.",
    )


def safe_name(name: str, kind: FileKind) -> str:
    """The sender's file name for display, without path parts or odd characters, with the
    extension of what the file really is."""
    stem = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" ._") or "file"
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return f"{stem[:120]}.{kind.extension}"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1251"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False
