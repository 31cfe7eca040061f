"""The case text an Open311 request becomes, and its public description back.

The case keeps everything the client sent that has no column of its own (media_url,
attribute[…], address_id, device_id, account_id) as labelled lines under a marker, so the
officer sees it and nothing is lost. The public description is the part above the marker with
the personal data triage finds replaced («[телефон]», «[ФИО]», «[адрес]»…): citizens write
their names and contacts into the text, and the feed is public (152-ФЗ, DOMAIN.md §7).
"""

from veche.intake.open311.parsing import RequestIn
from veche.triage.pii import mask

MARKER = "\n\n--- Open311 ---\n"
NO_DESCRIPTION = "(описание не указано)"


def compose_text(data: RequestIn) -> str:
    """The description, then the labelled lines; a marker or a line break the client put into
    them is neutralised, so the lines read back are always the ones written here."""
    lines = [
        f"{name}: {_one_line(value)}"
        for name, value in (
            ("media_url", data.media_url),
            ("address_id", data.address_id),
            ("device_id", data.device_id),
            ("account_id", data.account_id),
        )
        if value
    ]
    lines += [f"attribute[{_one_line(c)}]: {_one_line(v)}" for c, v in data.attributes]
    text = data.description.replace(MARKER.strip(), "- Open311 -") or NO_DESCRIPTION
    return text + MARKER + "\n".join(lines) if lines else text


def _one_line(value: str) -> str:
    return " ".join(value.split())


def technical_fields(text: str) -> dict[str, str]:
    """The labelled lines under the marker (the last marker: a citizen may type one too)."""
    _, marker, tail = text.rpartition(MARKER)
    if not marker:
        return {}
    pairs = (line.partition(": ") for line in tail.splitlines())
    return {name: value for name, sep, value in pairs if sep}


def public_description(text: str) -> str:
    head, marker, _ = text.rpartition(MARKER)
    return mask(head if marker else text)
