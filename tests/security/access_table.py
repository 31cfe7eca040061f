"""Every route of Veche and how its object-level access is tested (issue 9).

Keys are the route's pattern as the URL resolver prints it (`cases/<int:pk>/`), and for the
JSON API the method and the OpenAPI path (`GET /api/v1/cases/{case_id}`).
`test_access_inventory.py` fails when a route appears that is in neither table, so a new
endpoint cannot ship without saying who may reach it.

- `Guarded` — a route with an object of municipality A in its path. `ids` names, for each
  path parameter, the object of the access scene (`test_access_objects.build_scene`) whose id
  goes there. `department=True`: the object belongs to one department, so the executor of
  another department of the same municipality is refused as well. `data` is a request body
  that does change the object when an allowed user sends it (checked as a positive control),
  so a refused request that changes nothing proves the refusal, not a bad form.
- `Listing` — a page or list with no object in its path: the anonymous visitor is sent to the
  login page (401 in the API), and a user of municipality B never sees A's marker.
- `Public` — a citizen's page reached by an unguessable token or key: a wrong one is 404.
- `EXEMPT` — routes with no object of a municipality in them, each with its reason.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Guarded:
    ids: Mapping[str, str]
    methods: tuple[str, ...] = ("GET", "POST")
    department: bool = False
    data: Mapping[str, Any] | None = None  # None: no positive control of the write
    shows: bool = True  # an allowed user's GET answers 200 and shows the marker


@dataclass(frozen=True)
class Listing:
    url: str = ""  # for patterns that cannot be filled in (regular expressions)
    shows: bool = True  # A's head sees A's marker here (the positive control)


@dataclass(frozen=True)
class Public:
    key: str  # the scene's token or key for this route
    url: str  # with «{}» where the token goes


CASE = {"pk": "case"}
PROBLEM = {"pk": "problem"}
ROADMAP = {"pk": "roadmap"}
ACTION = {"pk": "roadmap", "action_id": "action"}
DOCUMENT = {"pk": "roadmap", "document_id": "document"}
MEETING = {"pk": "meeting"}
INSTRUCTION = {"pk": "instruction"}
POLL = {"pk": "poll"}
POST = ("POST",)
GET = ("GET",)

PAGES: dict[str, Guarded | Listing] = {
    # cases
    "cases/": Listing(),
    "cases/assign/": Listing(shows=False),
    "cases/<int:pk>/": Guarded(CASE, GET, department=True),
    # Revealing the author is a write: the read of personal data is logged.
    "cases/<int:pk>/author/": Guarded(CASE, POST, department=True, data={}),
    "cases/<int:pk>/assign/": Guarded(
        CASE, POST, department=True, data={"assign-department": "@roads"}
    ),
    "cases/<int:pk>/topic/": Guarded(CASE, POST, department=True),
    "cases/<int:pk>/place/": Guarded(CASE, POST, department=True),
    "cases/<int:pk>/status/": Guarded(CASE, POST, department=True, data={"status-to": "in_work"}),
    "cases/<int:pk>/comment/": Guarded(
        CASE, POST, department=True, data={"note-text": "Чужая заметка"}
    ),
    "cases/<int:pk>/answer/": Guarded(
        CASE,
        POST,
        department=True,
        data={"answer-kind": "interim", "answer-text": "Трубу заменят до 1 декабря."},
    ),
    "cases/<int:pk>/link/": Guarded(CASE, POST, department=True),
    "cases/<int:pk>/attach/": Guarded(CASE, POST, department=True),
    "cases/<int:pk>/attachments/<int:attachment_id>/": Guarded(
        {"pk": "case", "attachment_id": "attachment"}, GET, department=True
    ),
    # intake
    "intake/new/": Listing(shows=False),
    "intake/sources/": Listing(),
    "intake/imports/": Listing(),
    "intake/imports/<int:pk>/": Guarded({"pk": "import_run"}, GET),
    "intake/imports/<int:pk>/mapping/": Guarded({"pk": "import_run"}, POST),
    "intake/imports/<int:pk>/report.csv": Guarded({"pk": "import_run"}, GET, shows=False),
    # triage
    "triage/rules/": Listing(),
    "triage/rules/new/": Listing(shows=False),
    "triage/rules/check/": Listing(shows=False),
    "triage/rules/<int:pk>/": Guarded({"pk": "rule"}),
    "triage/rules/<int:pk>/delete/": Guarded({"pk": "rule"}, POST, data={}),
    "triage/rules/<int:pk>/move/": Guarded({"pk": "rule"}, POST),
    "triage/rules/<int:pk>/active/": Guarded({"pk": "rule"}, POST, data={}),
    "triage/gazetteer/": Listing(shows=False),
    "triage/gazetteer/export.csv": Listing(shows=False),
    # problems
    "problems/": Listing(),
    "problems/<int:pk>/": Guarded(PROBLEM, GET),
    "problems/<int:pk>/cases/<int:case_id>/remove/": Guarded(
        {"pk": "problem", "case_id": "case"}, POST, data={}
    ),
    "problems/<int:pk>/edit/": Guarded(PROBLEM, POST),
    "problems/<int:pk>/merge/": Guarded(PROBLEM, POST),
    "problems/<int:pk>/split/": Guarded(PROBLEM, POST),
    "problems/<int:pk>/cases/<int:case_id>/move/": Guarded(
        {"pk": "problem", "case_id": "case"}, POST
    ),
    "problems/candidates/": Listing(shows=False),
    "problems/candidates/name/": Listing(shows=False),
    "problems/fast-tracks/": Listing(),
    "problems/fast-tracks/new/": Listing(shows=False),
    "problems/fast-tracks/<int:pk>/": Guarded({"pk": "fast_track"}, GET),
    "problems/fast-tracks/<int:pk>/edit/": Guarded({"pk": "fast_track"}),
    "problems/fast-tracks/<int:pk>/stop/": Guarded({"pk": "fast_track"}, POST, data={}),
    "problems/roadmaps/": Listing(),
    "problems/roadmaps/new/": Listing(shows=False),
    "problems/roadmaps/<int:pk>/": Guarded(ROADMAP, GET),
    "problems/roadmaps/<int:pk>/edit/": Guarded(ROADMAP),
    "problems/roadmaps/<int:pk>/actions/": Guarded(ROADMAP, POST),
    "problems/roadmaps/<int:pk>/actions/<int:action_id>/": Guarded(ACTION, POST),
    "problems/roadmaps/<int:pk>/actions/<int:action_id>/progress/": Guarded(ACTION, POST),
    "problems/roadmaps/<int:pk>/actions/<int:action_id>/move/": Guarded(ACTION, POST),
    "problems/roadmaps/<int:pk>/actions/<int:action_id>/delete/": Guarded(ACTION, POST, data={}),
    "problems/roadmaps/<int:pk>/actions/<int:action_id>/documents/": Guarded(ACTION, POST),
    "problems/roadmaps/<int:pk>/documents/<int:document_id>/": Guarded(DOCUMENT, GET),
    "problems/roadmaps/<int:pk>/documents/<int:document_id>/delete/": Guarded(
        DOCUMENT, POST, data={}
    ),
    "problems/meetings/": Listing(),
    "problems/meetings/new/": Listing(shows=False),
    "problems/meetings/<int:pk>/": Guarded(MEETING, GET),
    "problems/meetings/<int:pk>/edit/": Guarded(MEETING),
    "problems/meetings/<int:pk>/instructions/": Guarded(MEETING, POST),
    "problems/instructions/new/": Listing(shows=False),
    "problems/instructions/<int:pk>/": Guarded(INSTRUCTION, GET),
    "problems/instructions/<int:pk>/edit/": Guarded(INSTRUCTION),
    "problems/instructions/<int:pk>/report/": Guarded(INSTRUCTION, POST),
    "problems/instructions/<int:pk>/accept/": Guarded(INSTRUCTION, POST),
    "problems/instructions/<int:pk>/return/": Guarded(INSTRUCTION, POST),
    "problems/instructions/<int:pk>/cancel/": Guarded(
        INSTRUCTION, POST, data={"reason": "Отменено на планёрке"}
    ),
    # deadlines
    "deadlines/": Listing(shows=False),
    "deadlines/cases/<int:case_id>/": Guarded(
        {"case_id": "case"}, GET, department=True, shows=False
    ),
    "deadlines/notifications/": Listing(shows=False),
    # analytics
    "analytics/": Listing(shows=False),
    "analytics/cases/": Listing(
        url="/analytics/cases/?indicator=received&from=2026-11-01&to=2026-11-30"
    ),
    "analytics/slices/": Listing(shows=False),
    "analytics/slices/save/": Listing(shows=False),
    "analytics/slices/<int:pk>/delete/": Guarded({"pk": "saved_view"}, POST, data={}),
    "analytics/map/": Listing(shows=False),
    "analytics/map/cells/": Listing(shows=False),
    "analytics/growth/": Listing(shows=False),
    "analytics/ratings/": Listing(shows=False),
    "analytics/ratings/policy/": Listing(shows=False),
    # reports and exports
    "reports/": Listing(shows=False),
    "reports/new/": Listing(shows=False),
    "reports/<int:pk>/": Guarded({"pk": "report"}, GET, shows=False),
    "reports/<int:pk>/xlsx": Guarded({"pk": "report"}, GET, shows=False),
    "reports/<int:pk>/pdf": Guarded({"pk": "report"}, GET, shows=False),
    "reports/templates/<str:kind>/": Listing(url="/reports/templates/quarterly/"),
    "reports/templates/<str:kind>/reset/": Listing(
        url="/reports/templates/quarterly/reset/", shows=False
    ),
    "export/^cases\\.(?P<fmt>xlsx|csv)$": Listing(url="/export/cases.csv"),
    "export/^analytics-cases\\.(?P<fmt>xlsx|csv)$": Listing(
        url="/export/analytics-cases.csv?indicator=received&from=2026-11-01&to=2026-11-30"
    ),
    "export/^slice\\.(?P<fmt>xlsx|csv)$": Listing(url="/export/slice.csv", shows=False),
    # feedback
    "feedback/answers/<int:pk>/check/": Guarded({"pk": "answer"}, POST, department=True),
    # monitoring
    "monitoring/": Listing(),
    "monitoring/mentions/<int:pk>/case/": Guarded({"pk": "mention"}, POST, data={}),
    "monitoring/sources/": Listing(),
    "monitoring/sources/<int:pk>/": Guarded({"pk": "monitored_source"}),
    "monitoring/words/": Listing(shows=False),
    "monitoring/alerts/": Listing(),
    "monitoring/alerts/<int:pk>/": Guarded({"pk": "alert"}),
    # publishing
    "publishing/": Listing(),
    "publishing/pages/new/": Listing(shows=False),
    "publishing/pages/<int:pk>/": Guarded({"pk": "page"}),
    "publishing/plan/": Listing(),
    "publishing/posts/new/": Listing(shows=False),
    "publishing/posts/from-template/": Listing(shows=False),
    "publishing/posts/<int:pk>/": Guarded({"pk": "post"}),
    "publishing/posts/<int:pk>/approve/": Guarded({"pk": "post"}, POST, data={}),
    "publishing/posts/<int:pk>/resolve/": Guarded({"pk": "post"}, POST),
    "publishing/checks/": Listing(),
    "publishing/report/": Listing(shows=False),  # an XLSX file
    "publishing/comments/<int:pk>/case/": Guarded({"pk": "page_comment"}, POST),
    # participation
    "participation/": Listing(),
    "participation/new/": Listing(shows=False),
    "participation/<int:pk>/": Guarded(POLL, GET),
    "participation/<int:pk>/edit/": Guarded(POLL, POST),
    "participation/<int:pk>/questions/": Guarded(POLL, POST),
    "participation/<int:pk>/questions/<int:question_pk>/delete/": Guarded(
        {"pk": "poll", "question_pk": "question"}, POST, data={}
    ),
    "participation/<int:pk>/open/": Guarded(POLL, POST),
    "participation/<int:pk>/close/": Guarded(POLL, POST),
    "participation/<int:pk>/results/": Guarded(POLL, GET),
    "participation/<int:pk>/results.csv": Guarded(POLL, GET, shows=False),
    "participation/<int:pk>/results.xlsx": Guarded(POLL, GET, shows=False),
    "participation/discussions/": Listing(),
    "participation/discussions/new/": Listing(shows=False),
    "participation/discussions/<int:pk>/": Guarded({"pk": "discussion"}),
    "participation/discussions/<int:pk>/comments/<int:comment_pk>/": Guarded(
        {"pk": "discussion", "comment_pk": "comment"}, POST
    ),
    # privacy (personal data of citizens)
    "privacy/": Listing(shows=False),
    "privacy/rules/": Listing(shows=False),
    "privacy/rules/<int:pk>/delete/": Guarded({"pk": "retention_rule"}, POST, data={}),
    "privacy/holds/": Listing(shows=False),
    "privacy/holds/<int:pk>/release/": Guarded({"pk": "hold"}, POST, data={}),
    "privacy/acts/<int:pk>.xlsx": Guarded({"pk": "act"}, GET, shows=False),
    "privacy/access-log/": Listing(shows=False),
    # by registration number: test_subject_search_by_foreign_number_is_like_a_missing_one
    "privacy/citizens/": Listing(url="/privacy/citizens/?number=НЕТ-000001", shows=False),
    "privacy/citizens/<int:pk>/": Guarded({"pk": "citizen"}, GET, shows=False),
    "privacy/citizens/<int:pk>/export/": Guarded({"pk": "citizen"}, POST),
}

API_CASE = {"case_id": "case"}
API_PROBLEM = {"problem_id": "problem"}

API: dict[str, Guarded | Listing] = {
    "GET /api/v1/cases": Listing(),
    "GET /api/v1/cases/{case_id}": Guarded(API_CASE, GET, department=True),
    "POST /api/v1/cases/{case_id}/transition": Guarded(
        API_CASE, POST, department=True, data={"status": "in_work"}
    ),
    "POST /api/v1/cases/{case_id}/assign": Guarded(
        API_CASE, POST, department=True, data={"department_id": "@roads"}
    ),
    "POST /api/v1/cases/{case_id}/topic": Guarded(
        API_CASE, POST, department=True, data={"topic_id": "@topic_pits"}
    ),
    "POST /api/v1/cases/{case_id}/location": Guarded(
        API_CASE, POST, department=True, data={"lat": 55.75, "lon": 37.62}
    ),
    "POST /api/v1/cases/{case_id}/merge": Guarded(
        API_CASE, POST, department=True, data={"case_id": "@other_case"}
    ),
    "POST /api/v1/cases/{case_id}/duplicate": Guarded(
        API_CASE, POST, department=True, data={"case_id": "@other_case"}
    ),
    "POST /api/v1/cases/{case_id}/comments": Guarded(
        API_CASE, POST, department=True, data={"text": "Чужой комментарий"}
    ),
    "GET /api/v1/cases/{case_id}/events": Guarded(API_CASE, GET, department=True, shows=False),
    "GET /api/v1/cases/{case_id}/author": Guarded(API_CASE, GET, department=True),
    "GET /api/v1/events": Listing(shows=False),  # see test_event_feed_has_no_foreign_case
    "GET /api/v1/problems": Listing(),
    "GET /api/v1/problems/{problem_id}": Guarded(API_PROBLEM, GET),
    "PATCH /api/v1/problems/{problem_id}": Guarded(
        API_PROBLEM, ("PATCH",), data={"title": "Переименовано чужим"}
    ),
    "POST /api/v1/problems/{problem_id}/merge": Guarded(
        API_PROBLEM, POST, data={"problem_ids": ["@other_problem"]}
    ),
    "POST /api/v1/problems/{problem_id}/split": Guarded(
        API_PROBLEM, POST, data={"case_ids": ["@case"], "title": "Отделено чужим"}
    ),
    "POST /api/v1/problems/{problem_id}/cases/{case_id}/move": Guarded(
        {"problem_id": "problem", "case_id": "case"}, POST, data={"problem_id": "@other_problem"}
    ),
    "GET /api/v1/analytics/dashboard": Listing(shows=False),
    "GET /api/v1/analytics/slice": Listing(shows=False),
    "GET /api/v1/analytics/map/cells": Listing(shows=False),
    "GET /api/v1/analytics/growth": Listing(shows=False),
    "GET /api/v1/analytics/ratings": Listing(shows=False),
    "GET /api/v1/analytics/ratings/workload": Listing(shows=False),
}

PUBLIC: dict[str, Public] = {
    "feedback/r/<str:token>/": Public("survey_token", "/feedback/r/{}/"),
    "feedback/r/<str:token>/thanks/": Public("survey_token", "/feedback/r/{}/thanks/"),
    "report/done/<str:token>/": Public("status_token", "/report/done/{}/"),
    "report/status/<str:token>/": Public("status_token", "/report/status/{}/"),
    "public/roadmaps/<uuid:key>/": Public("roadmap_key", "/public/roadmaps/{}/"),
    "public/polls/<uuid:key>/": Public("poll_key", "/public/polls/{}/"),
    "public/polls/<uuid:key>/identify/": Public("poll_key", "/public/polls/{}/identify/"),
    "public/polls/<uuid:key>/confirm/": Public("poll_key", "/public/polls/{}/confirm/"),
    "public/polls/<uuid:key>/vote/": Public("poll_key", "/public/polls/{}/vote/"),
    "public/polls/<uuid:key>/results/": Public("poll_key", "/public/polls/{}/results/"),
    "public/polls/discussions/<uuid:key>/": Public(
        "discussion_key", "/public/polls/discussions/{}/"
    ),
}

EXEMPT: dict[str, str] = {
    "": "redirects to the inbox; no data",
    "login/": "the login form (brute force is covered by tests/web, the login guard)",
    "logout/": "ends the caller's own session",
    "report/": "public: the list of municipalities citizens may write to",
    "report/<str:oktmo>/": "public: the citizens' form of a municipality (its OKTMO is public)",
    "intake/hooks/<int:source_id>/": (
        "outside systems push here, authenticated by the connector's signature or secret, not by "
        "a user; test_access_objects.test_webhook_without_secret_creates_nothing covers it"
    ),
    "open311/v2/^discovery\\.(?P<fmt>\\w+)$": "public Open311 GeoReport v2: the service discovery",
    "open311/v2/^services\\.(?P<fmt>\\w+)$": "public Open311: the list of services (topics)",
    "open311/v2/^services/(?P<code>[^/]+)\\.(?P<fmt>\\w+)$": "public Open311: one service",
    "open311/v2/^requests\\.(?P<fmt>\\w+)$": (
        "public Open311: requests as the standard publishes them, without personal data "
        "(tests/intake/test_open311.py)"
    ),
    "open311/v2/^requests/(?P<request_id>[^/]+)\\.(?P<fmt>\\w+)$": "public Open311: one request",
    "open311/v2/^tokens/(?P<token>[^/]+)\\.(?P<fmt>\\w+)$": "public Open311: token to request id",
    "api/openapi.json": "the API description: no data",
    "api/docs": "the API documentation page: no data",
    "api/": "the API root: no data",
    "GET /api/v1/topics": "the shared topic tree (rubricator): the same reference data for all",
    "GET /api/v1/departments": (
        "reference data, limited to the caller's municipalities (test_departments_of_b_only)"
    ),
    "healthz": "liveness probe of the process: no data",
    "readyz": "readiness probe (database, cache): no municipality data",
    "metrics": (
        "Prometheus figures without personal data, behind its own token or allowed networks "
        "(VECHE_METRICS_TOKEN / VECHE_METRICS_ALLOW, tested with the ops app)"
    ),
    "POST /api/v1/cases": (
        "creates a case in the caller's own municipality; the channel + external id idempotency "
        "is scoped to it (tests/cases/test_api.py)"
    ),
}

# Django's admin has its own staff flag and model permissions; only its front door is tested
# here (test_admin_turns_away_staff_without_is_staff).
EXEMPT_PREFIXES: dict[str, str] = {
    "admin/": "Django admin: is_staff and model permissions, not municipality roles",
}
