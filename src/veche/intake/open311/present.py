"""Records of the GeoReport v2 answers, built from topics and cases.

A request record carries no personal data: no name, phone, e-mail, account or device id; the
description is masked (`text.public_description`); a rejected case (spam) shows no text.
"""

from veche.cases.models import Case
from veche.cases.workflow import OPEN_STATUSES, Status
from veche.catalog.models import Topic
from veche.intake.open311.formats import Record, w3c
from veche.intake.open311.text import public_description, technical_fields

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def service_out(topic: Topic) -> Record:
    group = topic.parent.name if topic.parent else ""
    keywords = [k for k in (group, topic.im_name) if k and k != topic.name]
    return {
        "service_code": str(topic.pk),
        "service_name": topic.name,
        "description": str(topic),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": group,
    }


def definition_out(topic: Topic) -> Record:
    """Services have no extra attributes (`metadata` is false): an empty definition."""
    return {"service_code": str(topic.pk), "attributes": []}


def request_out(case: Case) -> Record:
    status = Status(case.status)
    extra = technical_fields(case.text)
    media_url = extra.get("media_url", "")
    zone = case.municipality.time_zone
    return {
        "service_request_id": str(case.pk),
        "status": "open" if status in OPEN_STATUSES else "closed",
        "status_notes": status.label,
        "service_name": case.topic.name if case.topic else "",
        "service_code": str(case.topic_id) if case.topic_id else "",
        "description": "" if status == Status.REJECTED else public_description(case.text),
        "agency_responsible": str(case.department or case.municipality),
        "service_notice": f"Регистрационный номер {case.number}.",
        "requested_datetime": w3c(case.received_at, zone),
        "updated_datetime": w3c(case.updated_at, zone),
        "expected_datetime": None,
        "address": case.address_raw,
        "address_id": extra.get("address_id", ""),
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": media_url if media_url.startswith(("http://", "https://")) else "",
    }


def created_out(case: Case, *, account_id: str) -> Record:
    """The answer to POST: the id and the token at once, so either flow of the spec works."""
    return {
        "service_request_id": str(case.pk),
        "token": case.external_id,
        "service_notice": f"Сообщение зарегистрировано, регистрационный номер {case.number}.",
        "account_id": account_id or None,
    }


def token_out(case: Case) -> Record:
    return {"service_request_id": str(case.pk), "token": case.external_id}
