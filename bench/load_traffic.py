"""The load test's traffic (`bench/load.py`): virtual users on an asyncio httpx client, a
weighted mix of what an МЦУ's server sees, and the latency figures. No Django here: the
server is another process, reached over loopback like any client.

Each virtual user logs in once as a demo staff member and keeps its cookies and CSRF token
(the cookie's value, which Django accepts as the form token), holds its own API token for
`POST /api/v1/cases` and Open311, and loops until the deadline, each turn one action drawn
by weight, with no think time (a closed loop: throughput is what the server gives, and with
more users than workers a latency includes the wait in gunicorn's queue). Citizens'
actions come from their own loopback addresses (127.x.y.z): the survey page limits ratings
per address to 20 an hour, a limit a real population of citizens never meets as one.

Every request is timed from send to the last byte; a 5xx or a connection error/timeout is an
error, a 4xx is counted by status (a refusal the server explains, not a failure), a redirect
is success (forms answer with one; it is not followed, so the write alone is timed).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import random
import re
import ssl
import time
import zlib
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from .corpus import compose
from .families import FAMILIES

# (action, weight): reads 45, updates 15, API intake 15, Open311 10, surveys 10, public form 5.
MIX: tuple[tuple[str, int], ...] = (
    ("inbox", 20),
    ("card", 25),
    ("update", 15),
    ("api_intake", 15),
    ("open311", 10),
    ("survey", 10),
    ("public_form", 5),
)
# Request kinds as reported; an action may make more than one request.
KINDS = (
    "inbox",
    "card",
    "comment",
    "assign",
    "api_intake",
    "open311",
    "survey_page",
    "survey",
    "public_page",
    "public_submit",
)
SEARCH_WORDS = ("яма", "отопление", "мусор", "снег", "освещение", "вода", "автобус", "двор")
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TICKET_INPUT = re.compile(r'name="ticket" value="([^"]+)"')
MIN_TICKET_AGE_S = 3.2  # the public form refuses a ticket younger than 3 s (a robot)
TIMEOUT_S = 60.0
T = TypeVar("T")


@dataclass
class Sample:
    kind: str
    status: int  # 0: connection error or timeout
    seconds: float
    error: str = ""


@dataclass
class Recorder:
    """Every timed request, and the ids of the writes the server acknowledged."""

    samples: list[Sample] = field(default_factory=list)
    written: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    notes: Counter[str] = field(default_factory=Counter)
    # Successes whose body did not say what was created: counted as errors by the verdict.
    malformed: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    finished: float = 0.0
    baseline: list[Sample] = field(default_factory=list)
    baseline_window: float = 0.0
    warmup: list[Sample] = field(default_factory=list)
    warmup_window: float = 0.0

    async def send(
        self, kind: str, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        began = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.samples.append(Sample(kind, 0, time.perf_counter() - began, type(exc).__name__))
            return None
        self.samples.append(Sample(kind, response.status_code, time.perf_counter() - began))
        return response


@dataclass
class Plan:
    base_url: str
    seed: dict[str, Any]
    seconds: float
    users: int
    run_id: str
    baseline_seconds: float = 10.0
    warmup_seconds: float = 20.0
    random_seed: int = 2026


@dataclass
class Shared:
    """What the virtual users draw from together."""

    survey_tokens: deque[str]
    addresses: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def citizen_address(self) -> str:
        """A loopback address of its own for the next citizen (127.16.0.1 onwards)."""
        n = next(self.addresses) % (250 * 250 * 200)
        return f"127.{16 + n // 62500}.{n // 250 % 250}.{n % 250 + 1}"


def is_ok(status: int) -> bool:
    return 200 <= status < 400


def is_error(status: int) -> bool:
    return status == 0 or status >= 500


def signed_pk(token: str) -> int | None:
    """The case id inside a `django.core.signing.dumps(pk, compress=True)` token (the public
    status link): the payload is signed, not encrypted, so a client can read it."""
    payload = token.split(":", 1)[0]
    compressed = payload.startswith(".")
    raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload) % 4))
    value = json.loads(zlib.decompress(raw) if compressed else raw)
    return value if isinstance(value, int) else None


class VirtualUser:
    def __init__(self, number: int, plan: Plan, shared: Shared, rec: Recorder) -> None:
        seed = plan.seed
        self.number = number
        self.plan = plan
        self.shared = shared
        self.rec = rec
        self.rng = random.Random(plan.random_seed * 1000 + number)
        centre, executors = seed["centre_logins"], seed["executor_logins"]
        # Three in four are МЦУ staff (they read everything and assign), one in four executors.
        if number % 4 == 3 and executors:
            self.login, self.centre = executors[number // 4 % len(executors)], False
        else:
            self.login, self.centre = centre[number % len(centre)], True
        self.token = seed["api_tokens"][number % len(seed["api_tokens"])]
        self.case_ids: list[int] = []
        self.open_ids: list[int] = []
        self.ticket: tuple[float, str, str] | None = None  # (got at, ticket, csrf token)
        self.writes = 0
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
        self.staff = httpx.AsyncClient(base_url=plan.base_url, timeout=TIMEOUT_S, limits=limits)
        self.api = httpx.AsyncClient(base_url=plan.base_url, timeout=TIMEOUT_S, limits=limits)
        self.citizen = _citizen_client(plan.base_url, f"127.15.{number // 250}.{number % 250 + 1}")

    async def close(self) -> None:
        for client in (self.staff, self.api, self.citizen):
            await client.aclose()

    def marker(self, what: str) -> str:
        self.writes += 1
        return f"Нагрузочный тест {self.plan.run_id}: {what} {self.number}-{self.writes}"

    # --- setup -------------------------------------------------------------------------------

    async def log_in(self) -> None:
        page = await self.staff.get("/login/")
        csrf = self.staff.cookies.get("csrftoken", "")
        data = {
            "username": self.login,
            "password": self.plan.seed["password"],
            "csrfmiddlewaretoken": csrf,
        }
        done = await self.staff.post("/login/", data=data, headers={"Referer": str(page.url)})
        if done.status_code != 302:
            raise RuntimeError(f"login as {self.login} failed: HTTP {done.status_code}")
        await self.read_inbox("")  # not timed: the list of cases to open and change
        await self.read_inbox(_open_filter(), is_open=True)

    async def read_inbox(self, query: str, *, is_open: bool = False) -> None:
        response = await self.staff.get(f"/cases/?{query}")
        self._harvest(response, is_open=is_open)

    def _harvest(self, response: httpx.Response | None, *, is_open: bool) -> None:
        if response is None or response.status_code != 200:
            return
        ids = [int(i) for i in CASE_LINK.findall(response.text)]
        if ids:
            target = self.open_ids if is_open else self.case_ids
            target[:] = (ids + target)[:200]

    # --- the actions -------------------------------------------------------------------------

    async def run(self, deadline: float) -> None:
        actions, weights = zip(*MIX, strict=True)
        while time.perf_counter() < deadline:
            action = self.rng.choices(actions, weights)[0]
            await getattr(self, action)()

    async def warm_up(self, deadline: float) -> None:
        """Each action once, the public form sent too (its ticket aged), then the mix."""
        for action, _ in MIX:
            await getattr(self, action)()
        await self.update("comment")
        if self.centre and self.plan.seed["departments"]:
            await self.update("assign")
        if self.ticket is not None:
            await asyncio.sleep(max(0.0, self.ticket[0] + MIN_TICKET_AGE_S - time.monotonic()))
            await self.public_form()
        await self.run(deadline)

    async def baseline(self, deadline: float) -> None:
        async with httpx.AsyncClient(base_url=self.plan.base_url, timeout=TIMEOUT_S) as anon:
            while time.perf_counter() < deadline:
                await self.rec.send("login_page", anon, "GET", "/login/")

    async def inbox(self) -> None:
        seed = self.plan.seed
        choice = self.rng.randrange(8)
        if choice == 0:
            query = ""
        elif choice == 1:
            query = "status=registered"
        elif choice == 2:
            query = _open_filter()
        elif choice in (3, 4):
            query = f"q={self.rng.choice(SEARCH_WORDS)}"
        elif choice == 5 and self.centre and seed["departments"]:
            query = f"department={self.rng.choice(seed['departments'])}"
        elif choice == 6:
            query = "due=overdue"
        else:
            query = f"page={self.rng.randint(2, 5)}"
        response = await self.rec.send("inbox", self.staff, "GET", f"/cases/?{query}")
        self._harvest(response, is_open=choice == 2)

    async def card(self) -> None:
        if not self.case_ids:
            await self.inbox()
            return
        pk = self.rng.choice(self.case_ids)
        await self.rec.send("card", self.staff, "GET", f"/cases/{pk}/")

    async def update(self, kind: str = "") -> None:
        """A comment (any role) or, for МЦУ staff one time in three, a new executor."""
        ids = self.open_ids or self.case_ids
        if not ids:
            await self.inbox()
            return
        pk = self.rng.choice(ids)
        csrf = self.staff.cookies.get("csrftoken", "")
        if not kind:
            can_assign = self.centre and self.plan.seed["departments"]
            kind = "assign" if can_assign and self.rng.random() < 1 / 3 else "comment"
        if kind == "assign":
            marker = self.marker("назначение")
            data = {
                "assign-department": str(self.rng.choice(self.plan.seed["departments"])),
                "assign-comment": marker,
                "csrfmiddlewaretoken": csrf,
            }
            url = f"/cases/{pk}/assign/"
        else:
            marker = self.marker("комментарий")
            data = {"note-text": marker, "csrfmiddlewaretoken": csrf}
            url = f"/cases/{pk}/comment/"
        response = await self.rec.send(kind, self.staff, "POST", url, data=data)
        if response is not None and response.status_code == 302:
            self.rec.written[kind].append(marker)
        elif response is not None and response.status_code in (403, 404, 409):
            # The case moved out of reach or on (another user's change): drop it.
            for known in (self.open_ids, self.case_ids):
                if pk in known:
                    known.remove(pk)

    async def api_intake(self) -> None:
        text = compose(self.rng.choice(FAMILIES), self.rng, appeal=False)
        external = f"load-{self.plan.run_id}-{self.number}-{self.writes + 1}"
        self.writes += 1
        payload = {
            "channel": "api",
            "regime": "message",
            "text": text.body,
            "external_id": external,
            "address_raw": text.address,
            "author": {"full_name": "Нагрузочный тест", "email": f"load{self.number}@example.ru"},
        }
        headers = {"Authorization": f"Bearer {self.token}"}
        response = await self.rec.send(
            "api_intake", self.api, "POST", "/api/v1/cases", json=payload, headers=headers
        )
        if response is not None and response.status_code in (200, 201):
            case_id = _field(response, lambda body: int(body["id"]))
            if case_id is None:
                self.rec.malformed["api_intake"] += 1
            else:
                self.rec.written["api_intake"].append(case_id)
                self.rec.written["api_external_ids"].append(external)

    async def open311(self) -> None:
        seed = self.plan.seed
        text = compose(self.rng.choice(FAMILIES), self.rng, appeal=False)
        data = {
            "api_key": self.token,
            "jurisdiction_id": seed["oktmo"],
            "service_code": self.rng.choice(seed["service_codes"]),
            "description": text.body,
            "address_string": text.address,
        }
        response = await self.rec.send(
            "open311", self.api, "POST", "/open311/v2/requests.json", data=data
        )
        if response is not None and response.status_code in (200, 201):
            ids = _field(response, lambda body: [int(r["service_request_id"]) for r in body])
            if not ids:
                self.rec.malformed["open311"] += 1
            else:
                self.rec.written["open311"].extend(ids)

    async def survey(self) -> None:
        """A citizen opens the rating link from the answer and rates it, from their own address."""
        if not self.shared.survey_tokens:
            self.rec.notes["survey links used up (turn taken by a card)"] += 1
            await self.card()
            return
        token = self.shared.survey_tokens.popleft()
        url = f"/feedback/r/{token}/"
        async with _citizen_client(self.plan.base_url, self.shared.citizen_address()) as citizen:
            page = await self.rec.send("survey_page", citizen, "GET", url)
            if page is None or page.status_code != 200:
                return
            data = {
                "rating": str(self.rng.choice((1, 2, 3, 4, 4, 5, 5, 5))),
                "solved": self.rng.choice(("yes", "no", "unknown")),
                "comment": self.rng.choice(("", "", "Спасибо", "Ничего не сделано")),
                "csrfmiddlewaretoken": citizen.cookies.get("csrftoken", ""),
            }
            response = await self.rec.send("survey", citizen, "POST", url, data=data)
        if response is not None and response.status_code == 302:
            self.rec.written["survey"].append(int(token.split("-", 1)[0]))

    async def public_form(self) -> None:
        """The public form: send the form fetched on an earlier turn once it is old enough
        (a person takes longer than 3 s to write), then fetch the next one."""
        oktmo = self.plan.seed["oktmo"]
        url = f"/report/{oktmo}/"
        if self.ticket is not None and time.monotonic() - self.ticket[0] >= MIN_TICKET_AGE_S:
            _, ticket, csrf = self.ticket
            self.ticket = None
            text = compose(self.rng.choice(FAMILIES), self.rng, appeal=False)
            data = {
                "text": text.body,
                "address": text.address,
                "consent": "on",
                "ticket": ticket,
                "csrfmiddlewaretoken": csrf,
                "website": "",
            }
            response = await self.rec.send("public_submit", self.citizen, "POST", url, data=data)
            if response is not None and response.status_code == 302:
                location = response.headers.get("location", "")
                try:
                    pk = signed_pk(location.rstrip("/").rsplit("/", 1)[-1])
                except (ValueError, zlib.error):
                    pk = None
                if pk is None:
                    self.rec.malformed["public_submit"] += 1
                else:
                    self.rec.written["public_submit"].append(pk)
        page = await self.rec.send("public_page", self.citizen, "GET", url)
        if page is not None and page.status_code == 200:
            ticket_match = TICKET_INPUT.search(page.text)
            csrf_match = CSRF_INPUT.search(page.text)
            if ticket_match and csrf_match:
                self.ticket = (time.monotonic(), ticket_match[1], csrf_match[1])


def _field(response: httpx.Response, read: Callable[[Any], T]) -> T | None:
    """A value read from a JSON reply, or None when the reply is not what the API promises."""
    try:
        return read(response.json())
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _open_filter() -> str:
    return "status=registered&status=assigned&status=in_work"


# One TLS context for every client: httpx builds one per transport otherwise (loading the CA
# bundle, milliseconds of the driver's CPU per citizen), though loopback is plain HTTP.
_TLS = ssl.create_default_context()


def _citizen_client(base_url: str, address: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address, verify=_TLS)
    return httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT_S, transport=transport)


async def drive(plan: Plan) -> Recorder:
    """Log every user in, run the baseline, then the mix; the recorder holds the figures."""
    shared = Shared(survey_tokens=deque(plan.seed["survey_tokens"]))
    rec = Recorder()
    users = [VirtualUser(n, plan, shared, rec) for n in range(plan.users)]
    try:
        await asyncio.gather(*(u.log_in() for u in users))
        # Warm-up, not counted (its writes are checked): each user does each action once, so
        # every worker has loaded its templates and the triage models, then the mix runs on.
        began = time.perf_counter()
        await asyncio.gather(*(u.warm_up(began + plan.warmup_seconds) for u in users))
        rec.warmup_window = time.perf_counter() - began
        rec.warmup, rec.samples = rec.samples, []
        began = time.perf_counter()
        await asyncio.gather(*(u.baseline(began + plan.baseline_seconds) for u in users))
        rec.baseline_window = time.perf_counter() - began
        rec.baseline, rec.samples = rec.samples, []
        rec.started = time.perf_counter()
        await asyncio.gather(*(u.run(rec.started + plan.seconds) for u in users))
        rec.finished = time.perf_counter()
    finally:
        await asyncio.gather(*(u.close() for u in users))
    return rec


# --- figures -----------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values) - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(samples: list[Sample], window_s: float) -> dict[str, Any]:
    latencies = sorted(s.seconds for s in samples)
    statuses = Counter(s.status for s in samples)
    errors = Counter(
        (s.error or str(s.status)) if s.status == 0 else str(s.status)
        for s in samples
        if is_error(s.status)
    )
    refused = Counter(str(s.status) for s in samples if 400 <= s.status < 500)
    return {
        "count": len(samples),
        "ok": sum(1 for s in samples if is_ok(s.status)),
        "refused_4xx": dict(sorted(refused.items())),
        "errors": dict(sorted(errors.items())),
        "error_count": sum(errors.values()),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "throughput_rps": len(samples) / window_s if window_s > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else 0.0,
    }


def figures(rec: Recorder) -> dict[str, Any]:
    window = rec.finished - rec.started
    by_kind = _by_kind(rec.samples)
    warmup = _by_kind(rec.warmup)
    return {
        "window_s": window,
        "kinds": {kind: summarise(by_kind.get(kind, []), window) for kind in KINDS},
        "overall": summarise(rec.samples, window),
        "baseline": summarise(rec.baseline, rec.baseline_window)
        | {"window_s": rec.baseline_window},
        "warmup": {
            "window_s": rec.warmup_window,
            "kinds": {kind: summarise(warmup.get(kind, []), rec.warmup_window) for kind in KINDS},
            "overall": summarise(rec.warmup, rec.warmup_window),
        },
        "notes": dict(rec.notes),
        "malformed_replies": dict(rec.malformed),
    }


def _by_kind(samples: list[Sample]) -> dict[str, list[Sample]]:
    found: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        found[sample.kind].append(sample)
    return found
