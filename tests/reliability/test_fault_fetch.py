"""The worker is killed (SIGKILL) in the middle of a Telegram fetch: part of the batch is
accepted, the cursor is not saved. After a restart the batch is fetched again and every message
is accepted exactly once: one case per message, none lost, none twice.

Real processes: the huey consumer `veche run_huey` on its embedded SQLite queue and a SQLite
database file, and the local fake of the Telegram Bot API (tests/intake/fake_telegram.py) in
this process. The fifteen-minute lease of the killed fetch is skipped by moving it back.
"""

import json
from pathlib import Path

from tests.intake.fake_telegram import TOKEN, FakeTelegram
from tests.reliability.servers import consumer, database_copy, django, sql, wait_until

MESSAGES = 40
FIRST_CHAT = 70_000


def test_fetch_killed_mid_batch_accepts_each_message_once(tmp_path: Path) -> None:
    bot = FakeTelegram().start()
    try:
        _kill_mid_fetch(tmp_path, bot)
    finally:
        bot.stop()


def _kill_mid_fetch(tmp_path: Path, bot: FakeTelegram) -> None:
    env, _ = database_copy(tmp_path)
    env["VECHE_TEST_BOT_TOKEN"] = TOKEN
    db = env["DATABASE_URL"]
    for n in range(MESSAGES):
        bot.message(FIRST_CHAT + n, f"Сообщение {n}: у дома {n + 1} по улице Мира яма на дороге.")
    source_id = django(
        f"""
        from veche.catalog.models import Channel
        from veche.intake.models import Source
        from veche.intake.tasks import poll_sources
        from veche.org.models import Municipality

        source = Source.objects.create(
            municipality=Municipality.objects.get(oktmo="00000001"),
            channel=Channel.objects.get(code=Channel.Code.TELEGRAM),
            name="Бот администрации",
            config={{"token_env": "VECHE_TEST_BOT_TOKEN", "api_url": {bot.url!r}}},
        )
        poll_sources()  # into the real queue; nobody consumes it yet
        result = source.pk
        """,
        env,
    )

    def accepted() -> int:
        return int(sql(db, "select count(*) from intake_delivery")[0][0])

    worker = consumer(env, tmp_path / "consumer.log").start()
    try:
        wait_until(lambda: accepted() >= 3, timeout=60, every=0.05, what="the first messages")
        worker.kill()
        part = accepted()
        assert part < MESSAGES, "the whole batch was accepted before the worker was killed"

        # The lease of the dead fetch runs out (it moves back), and the scheduler polls.
        django(
            f"""
            from datetime import timedelta
            from django.utils import timezone
            from veche.intake.models import Source
            from veche.intake.tasks import poll_sources

            Source.objects.filter(pk={source_id}).update(
                next_attempt_at=timezone.now() - timedelta(seconds=1)
            )
            poll_sources()
            """,
            env,
        )
        worker = consumer(env, tmp_path / "consumer.log").start()
        wait_until(
            lambda: sql(db, "select last_success_at from intake_source where id = %s", source_id)[
                0
            ][0],
            timeout=120,
            what="the fetch to finish",
        )
    finally:
        worker.kill()

    deliveries = sql(db, "select external_id, case_id from intake_delivery order by id")
    ids = [external_id for external_id, _ in deliveries]
    assert len(ids) == len(set(ids)) == MESSAGES
    cases = sql(
        db,
        "select count(*), count(distinct c.id) from cases_case c"
        " join catalog_channel ch on ch.id = c.channel_id where ch.code = 'telegram'",
    )
    assert cases == [(MESSAGES, MESSAGES)], "a message became no case or two"
    assert len({case_id for _, case_id in deliveries}) == MESSAGES
    # The cursor is past the last message: the next poll confirms the batch to Telegram.
    [(cursor,)] = sql(db, "select cursor from intake_source where id = %s", source_id)
    last = max(u["update_id"] for u in bot.updates)
    saved = json.loads(cursor) if isinstance(cursor, str) else cursor
    assert saved["offset"] == last + 1
