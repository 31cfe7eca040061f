"""Redis is down: intake still takes cases, the pages that count in the cache still answer,
and the queued work that could not be queued catches up once Redis is back.

Real processes: a private redis-server on a free port (the task queue and the cache, as in
production with VECHE_REDIS_URL), Veche under gunicorn and the huey consumer on a SQLite
file. Redis is stopped for real (its process ends), not mocked.
"""

import re
import time
from pathlib import Path

import requests

from tests.reliability.servers import (
    PrivateRedis,
    consumer,
    database_copy,
    django,
    sql,
    wait_until,
    web_server,
)


def test_intake_accepts_cases_while_redis_is_down(tmp_path: Path) -> None:
    redis = PrivateRedis().start()
    try:
        _outage_and_catch_up(tmp_path, redis)
    finally:
        redis.stop()


def _outage_and_catch_up(tmp_path: Path, redis: PrivateRedis) -> None:
    env, seeded = database_copy(tmp_path, redis.url)
    env["VECHE_TRIAGE_INLINE"] = "0"  # every new case goes through the queue
    web, url = web_server(env, tmp_path / "web.log")
    try:
        form_page = requests.Session()
        page = form_page.get(f"{url}/report/00000001/", timeout=10)
        assert page.status_code == 200
        ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert ticket and csrf

        redis.stop()
        time.sleep(3.1)  # the form refuses a submission faster than a person types

        api = requests.post(
            f"{url}/api/v1/cases",
            json={
                "channel": "api",
                "regime": "message",
                "text": "Во дворе дома 5 по улице Мира третий день не вывозят мусор.",
                "external_id": "site-1",
            },
            headers={"Authorization": f"Bearer {seeded['token']}"},
            timeout=30,
        )
        assert api.status_code == 201, api.text
        sent = form_page.post(
            f"{url}/report/00000001/",
            data={
                "csrfmiddlewaretoken": csrf[1],
                "ticket": ticket[1],
                "text": "На детской площадке у школы сломаны качели, торчат болты.",
                "consent": "on",
            },
            headers={"Referer": f"{url}/report/00000001/"},
            allow_redirects=False,
            timeout=30,
        )
        assert sent.status_code == 302, sent.text[-2000:]
        # The login guard counts failures in the cache: a wrong password is refused as such.
        staff = requests.Session()
        login = staff.get(f"{url}/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        assert token
        refused = staff.post(
            f"{url}/login/",
            data={"csrfmiddlewaretoken": token[1], "username": "operator", "password": "x"},
            headers={"Referer": f"{url}/login/"},
            timeout=30,
        )
        assert refused.status_code == 200, refused.text[-2000:]
    finally:
        web.kill()

    stored = sql(
        env["DATABASE_URL"],
        "select ch.code from cases_case c join catalog_channel ch on ch.id = c.channel_id"
        " order by ch.code",
    )
    assert stored == [("api",), ("web_form",)]

    # Redis is back: the consumer catches up with the analysis that could not be queued.
    redis.start()
    with_consumer = consumer(env, tmp_path / "consumer.log").start()
    try:
        # Half an hour passes (the sweep leaves a case alone while its job may still be
        # queued), then the periodic sweep runs.
        django(
            """
            from datetime import timedelta
            from django.db.models import F
            from veche.cases.models import Case
            from veche.triage.tasks import analyse_missing_task

            Case.objects.update(updated_at=F("updated_at") - timedelta(minutes=31))
            analyse_missing_task()
            """,
            env,
        )

        def analysed() -> bool:
            [(count,)] = sql(env["DATABASE_URL"], "select count(*) from cases_caseanalysis")
            return bool(count == 2)

        wait_until(analysed, timeout=60, every=0.5, what="the analysis to catch up")
    finally:
        with_consumer.kill()
