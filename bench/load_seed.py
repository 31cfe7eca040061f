"""The Django side of the load test (`bench/load.py`), run in a child process against the
scratch database: `python -m bench.load_seed prepare|check IN.json OUT.json`.

`prepare` adds to a demo municipality (`veche demo`) what the traffic needs and writes it to
OUT.json for the driver, which never imports Django:

- one API user per virtual user (`load_api_<n>`, МЦУ Инцидент-менеджмент, the municipality-wide
  intake right) with its token: Open311 allows 60 posts a minute per user (`POSTS_PER_MINUTE`),
  so one shared key would measure the limit, not the server;
- `--surveys` fresh rating links: bench-only final answers marked as sent on answered or closed
  cases, each with its `Survey` (what `feedback.services.ask` makes when an answer goes out),
  written with `bulk_create`, valid for the policy's days from now;
- the logins, departments, Open311 service codes and the municipality's ОКТМО.

`check` reads what the driver says the server accepted (case ids, survey ids, comment markers)
and counts what the database holds of it: the «no lost writes» figure.
"""

import json
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

API_USER_PREFIX = "load_api_"
# Municipality-wide roles that read every case and may assign; executors read their own.
CENTRE_LOGINS = ("im", "pos", "deputy", "head")


def prepare(params: dict[str, Any]) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from veche.cases.models import Answer, Case
    from veche.cases.workflow import Status
    from veche.demo.staff import DEMO_PASSWORD
    from veche.feedback.models import Survey
    from veche.feedback.services import policy_for, token_for
    from veche.intake.open311 import selectors as open311_selectors
    from veche.org.models import Department, Membership, Municipality, Role, User
    from veche.org.services import issue_api_token

    municipality = Municipality.objects.order_by("pk").first()
    if municipality is None:
        raise SystemExit("no municipality: run `veche demo` first")
    now = timezone.now()
    tokens = []
    for number in range(int(params["api_users"])):
        with transaction.atomic():
            user = User.objects.create(
                username=f"{API_USER_PREFIX}{number}",
                last_name="Нагрузка",
                first_name=f"Клиент {number}",
                position="Внешняя система (нагрузочный тест)",
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            Membership.objects.create(user=user, municipality=municipality, role=Role.IM_OFFICER)
        _, token = issue_api_token(f"Нагрузочный тест {number}", user=user)
        tokens.append(token)

    valid_days = policy_for(municipality.pk).valid_days
    answered = list(
        Case.objects.filter(municipality=municipality, status__in=[Status.ANSWERED, Status.CLOSED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    wanted = int(params["surveys"])
    survey_tokens: list[str] = []
    if answered and wanted:
        author = User.objects.get(username="im")
        cases = [answered[n % len(answered)] for n in range(wanted)]
        with transaction.atomic():
            answers = Answer.objects.bulk_create(
                Answer(
                    case_id=pk,
                    kind=Answer.Kind.FINAL,
                    state=Answer.State.SENT,
                    text="Уважаемый заявитель! Ваше обращение рассмотрено, работы выполнены.",
                    created_by=author,
                    approved_by=author,
                    created_at=now,
                    sent_at=now,
                )
                for pk in cases
            )
            surveys = Survey.objects.bulk_create(
                Survey(
                    case_id=answer.case_id,
                    answer=answer,
                    nonce=secrets.token_urlsafe(12),
                    asked_via="email",
                    created_at=now,
                    expires_at=now + timedelta(days=valid_days),
                )
                for answer in answers
            )
        survey_tokens = [token_for(s) for s in surveys]

    departments = list(
        Department.objects.filter(municipality=municipality, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    executors = sorted(
        User.objects.filter(
            memberships__municipality=municipality, memberships__role=Role.EXECUTOR
        ).values_list("username", flat=True)
    )
    return {
        "oktmo": municipality.oktmo,
        "municipality_id": municipality.pk,
        "password": DEMO_PASSWORD,
        "centre_logins": [u for u in CENTRE_LOGINS if User.objects.filter(username=u).exists()],
        "executor_logins": executors,
        "departments": departments,
        "service_codes": [str(t.pk) for t in open311_selectors.service_topics()],
        "api_tokens": tokens,
        "survey_tokens": survey_tokens,
        "cases_before": Case.objects.count(),
    }


def check(written: dict[str, Any]) -> dict[str, Any]:
    """For each kind of write the server acknowledged, how many the database holds."""
    from veche.cases.models import Case, Event
    from veche.feedback.models import Survey

    def cases(ids: list[int]) -> int:
        return Case.objects.filter(pk__in=ids).count() if ids else 0

    def events(kind: str, markers: list[str]) -> int:
        if not markers:
            return 0
        found = Event.objects.filter(kind=kind, comment__in=markers)
        return found.values("comment").distinct().count()

    api_ids: list[int] = written.get("api_intake", [])
    api_external: list[str] = written.get("api_external_ids", [])
    survey_ids: list[int] = written.get("survey", [])
    return {
        "api_intake": {
            "acknowledged": len(set(api_ids)),
            "found": cases(api_ids),
            "found_by_external_id": (
                Case.objects.filter(external_id__in=api_external).count() if api_external else 0
            ),
        },
        "open311": {
            "acknowledged": len(set(written.get("open311", []))),
            "found": cases(written.get("open311", [])),
        },
        "public_submit": {
            "acknowledged": len(set(written.get("public_submit", []))),
            "found": cases(written.get("public_submit", [])),
        },
        "survey": {
            "acknowledged": len(set(survey_ids)),
            "found": (
                Survey.objects.filter(pk__in=survey_ids, answered_at__isnull=False).count()
                if survey_ids
                else 0
            ),
        },
        "comment": {
            "acknowledged": len(set(written.get("comment", []))),
            "found": events(Event.Kind.COMMENT, written.get("comment", [])),
        },
        "assign": {
            "acknowledged": len(set(written.get("assign", []))),
            "found": events(Event.Kind.ASSIGNED, written.get("assign", [])),
        },
        "cases_total": Case.objects.count(),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("prepare", "check"):
        print("usage: python -m bench.load_seed prepare|check IN.json OUT.json", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veche.settings")
    import django

    django.setup()
    data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    result = prepare(data) if argv[0] == "prepare" else check(data)
    Path(argv[2]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
