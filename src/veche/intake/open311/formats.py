"""The two formats of GeoReport v2: JSON and XML, chosen by the path's suffix.

One plain structure renders to both: a list of flat records (services, requests, errors) is a
JSON array and `<root><item>…</item>…</root>` in XML; a record is a JSON object and `<root>…`
in XML, its list fields become `<endpoints><endpoint>…` (the plural's singular). XML is built
with `xml.etree` and never parsed here.
"""

import json
import re
import xml.etree.ElementTree as ET  # builds documents, parses none  # nosec B405
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias
from zoneinfo import ZoneInfo

from django.http import HttpResponse

from veche.intake.open311.errors import Open311Error

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
DEFAULT_FORMAT = "xml"  # the spec's required format, used for errors in an unknown format

Scalar: TypeAlias = str | int | float | bool | None
Record: TypeAlias = Mapping[str, "Value"]
Value: TypeAlias = Scalar | Sequence[str] | Sequence[Record]

# Characters XML 1.0 cannot carry at all; citizen text may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Reply:
    """What an endpoint answers: `root` names the XML document, `item` each record of a list."""

    data: Record | Sequence[Record]
    root: str
    item: str = ""
    status: int = 200


def w3c(moment: datetime | None, zone: str) -> str | None:
    """«2026-11-23T12:00:00+03:00»: the municipality's local time with its offset."""
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds") if moment else None


def render(reply: Reply, fmt: str) -> HttpResponse:
    body = json.dumps(reply.data, ensure_ascii=False) if fmt == "json" else _xml(reply)
    return HttpResponse(body.encode(), status=reply.status, content_type=FORMATS[fmt])


def render_error(error: Open311Error, fmt: str) -> HttpResponse:
    records: list[Record] = [{"code": error.status, "description": d} for d in error.descriptions]
    reply = Reply(records, root="errors", item="error", status=error.status)
    return render(reply, fmt if fmt in FORMATS else DEFAULT_FORMAT)


def _xml(reply: Reply) -> str:
    root = ET.Element(reply.root)
    if isinstance(reply.data, Mapping):
        _fill(root, reply.data)
    else:
        for record in reply.data:
            _fill(ET.SubElement(root, reply.item), record)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _fill(element: ET.Element, record: Record) -> None:
    for name, value in record.items():
        child = ET.SubElement(element, name)
        if isinstance(value, str | int | float | bool) or value is None:
            child.text = _text(value)
            continue
        for entry in value:
            grandchild = ET.SubElement(child, name.removesuffix("s"))
            if isinstance(entry, Mapping):
                _fill(grandchild, entry)
            else:
                grandchild.text = _text(entry)


def _text(value: Scalar) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))
