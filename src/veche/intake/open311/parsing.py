"""Checking what a client sent: the POST form and the GET requests filters.

Every problem is collected and reported at once as a 400 in the spec's format, never a 500;
a request with a problem creates nothing, so the client can correct it and send it again.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import QueryDict
from django.utils.dateparse import parse_date, parse_datetime

from veche.intake.open311.errors import Open311Error
from veche.intake.open311.selectors import RequestQuery, as_id

WINDOW = timedelta(days=90)  # the spec's default and largest span of GET requests
MAX_IDS = 1000
MAX_ATTRIBUTES = 50
# Field limits: the case and citizen columns they end up in (cases.models).
LIMITS = {
    "service_code": 20,
    "address_string": 500,
    "address_id": 200,
    "description": 50_000,
    "email": 254,
    "first_name": 140,
    "last_name": 140,
    "phone": 50,
    "device_id": 200,
    "account_id": 200,
    "media_url": 2000,
}
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,100})\](\[\])?$")
_URL = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class RequestIn:
    """A checked POST requests form."""

    service_code: str
    lat: float | None = None
    lon: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    attributes: tuple[tuple[str, str], ...] = ()


def parse_request(form: QueryDict) -> RequestIn:
    problems: list[str] = []
    values = {name: form.get(name, "").strip() for name in LIMITS}
    problems += [
        f"{name}: не длиннее {limit} символов."
        for name, limit in LIMITS.items()
        if len(values[name]) > limit
    ]
    if not values["service_code"]:
        problems.append("Не указан service_code.")
    lat, lon = _coordinate(form, "lat", 90, problems), _coordinate(form, "long", 180, problems)
    if (lat is None) != (lon is None):
        problems.append("Координаты указываются парой: lat и long.")
    if lat is None and not values["address_string"] and not values["address_id"]:
        problems.append("Не указано место: lat и long, address_string или address_id.")
    problems += _check_contacts(values)
    attributes = _attributes(form, problems)
    if problems:
        raise Open311Error(400, *problems)
    return RequestIn(lat=lat, lon=lon, attributes=attributes, **values)


def _coordinate(form: QueryDict, name: str, bound: int, problems: list[str]) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > bound:
        problems.append(f"{name}: число от -{bound} до {bound} (WGS-84).")
        return None
    return value


def _check_contacts(values: dict[str, str]) -> list[str]:
    problems = []
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            problems.append("email: неверный адрес.")
    if values["media_url"]:
        try:
            _URL(values["media_url"])
        except ValidationError:
            problems.append("media_url: нужна ссылка http:// или https://.")
    return problems


def _attributes(form: QueryDict, problems: list[str]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for key in form:
        if match := _ATTRIBUTE.match(key):
            found += [(match[1], v.strip()[:1000]) for v in form.getlist(key) if v.strip()]
    if len(found) > MAX_ATTRIBUTES:
        problems.append(f"Не больше {MAX_ATTRIBUTES} значений attribute[…].")
    return tuple(found)


def parse_query(params: QueryDict, *, zone: str, now: datetime) -> RequestQuery:
    problems: list[str] = []
    ids = _ids(params.get("service_request_id", ""), "service_request_id", problems)
    codes = _ids(params.get("service_code", ""), "service_code", problems)
    start = _moment(params.get("start_date", ""), "start_date", zone, problems)
    end = _moment(params.get("end_date", ""), "end_date", zone, problems)
    statuses = frozenset(s.strip() for s in params.get("status", "").split(",") if s.strip())
    if statuses - {"open", "closed"}:
        problems.append("status: open или closed (через запятую).")
    end = end or (min(start + WINDOW, now) if start else now)
    start = start or end - WINDOW
    if not ids and end - start > WINDOW:
        problems.append("Период start_date — end_date не может быть больше 90 дней.")
    if problems:
        raise Open311Error(400, *problems)
    return RequestQuery(start, end, ids, codes, statuses)


def _ids(raw: str, name: str, problems: list[str]) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    ids = [as_id(p) for p in parts[: MAX_IDS + 1]]
    if len(parts) > MAX_IDS:
        problems.append(f"{name}: не больше {MAX_IDS} значений.")
    if None in ids:
        problems.append(f"{name}: числа через запятую.")
    return tuple(i for i in ids if i is not None)


EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _moment(raw: str, name: str, zone: str, problems: list[str]) -> datetime | None:
    """A w3c datetime; without an offset it is the municipality's local time. A «+» of the
    offset that arrived unescaped (and so as a space) is put back."""
    raw = re.sub(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$", r"\1+\2", raw.strip())
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        day = None if moment else parse_date(raw)
    except ValueError:
        moment = day = None
    if day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        problems.append(f"{name}: дата и время в формате W3C, например 2026-11-23T09:00:00+03:00.")
        return None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        # The far ends overflow when turned into UTC (9999-12-31, 0001-01-01).
        problems.append(f"{name}: год вне {EARLIEST_YEAR}–{LATEST_YEAR}.")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))
