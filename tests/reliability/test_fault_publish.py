"""The worker is killed (SIGKILL) while VK is posting a publication: the post is on the wall,
the worker never heard back. After a restart the post is found on the wall, not posted again.

Real processes: the huey consumer `veche run_huey` on its embedded SQLite queue and a SQLite
database file, and the local fake of the VK wall API (tests/publishing/fakes.py) in this
process, which holds its answer to `wall.post` until the worker is dead. The ten minutes after
which a claim counts as a dead worker's are skipped by moving the claim back.
"""

import threading
import time
from pathlib import Path
from typing import Any

from tests.publishing.fakes import VK_TOKEN, FakeVkWall
from tests.reliability.servers import consumer, database_copy, django, sql, wait_until

GROUP = 220_000_777
TEXT = "Плановое отключение горячей воды 25 ноября: ул. Ленина, 1–15."


class SlowWall(FakeVkWall):
    """Makes the post, then keeps the worker waiting for the answer until `release`."""

    def __init__(self) -> None:
        self.release = threading.Event()
        super().__init__(GROUP)
        self.clock = int(time.time())  # the worker runs on the real clock, not the tests' NOW

    def handle(self, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        answer = super().handle(path, body, content_type)
        if path.endswith("wall.post") and len(self.posts) == 1:
            self.release.wait(60)
        return answer


def test_publication_killed_mid_post_is_published_once(tmp_path: Path) -> None:
    wall = SlowWall().start()
    try:
        _kill_mid_post(tmp_path, wall)
    finally:
        wall.release.set()
        wall.stop()


def _kill_mid_post(tmp_path: Path, wall: SlowWall) -> None:
    env, _ = database_copy(tmp_path)
    env["PUB_VK_TOKEN"] = VK_TOKEN
    db = env["DATABASE_URL"]
    post_id = django(
        f"""
        from django.utils import timezone
        from veche.org.models import Municipality, User
        from veche.publishing.models import Network, OfficialPage
        from veche.publishing.services import approve_post, plan_post
        from veche.publishing.tasks import publish_due_posts_task

        now = timezone.now()
        page = OfficialPage.objects.create(
            municipality=Municipality.objects.get(oktmo="00000001"), network=Network.VK,
            name="Администрация Демо", remote_id="{GROUP}", token_env="PUB_VK_TOKEN",
            api_url={wall.url!r}, owner=User.objects.get(username="operator"),
        )
        post = plan_post(
            page, text={TEXT!r}, scheduled_at=now, by=User.objects.get(username="operator"),
            now=now,
        )
        approve_post(post, by=User.objects.get(username="head"), now=now)
        publish_due_posts_task()  # into the real queue; nobody consumes it yet
        result = post.pk
        """,
        env,
    )

    def state() -> str:
        return str(sql(db, "select state from publishing_post where id = %s", post_id)[0][0])

    worker = consumer(env, tmp_path / "consumer.log").start()
    try:
        wait_until(lambda: wall.posts, timeout=60, what="the post on the wall")
        worker.kill()
        wall.release.set()  # the answer goes to a dead socket
        assert state() == "publishing"

        # Ten minutes pass (the claim moves back), and the periodic job runs.
        django(
            f"""
            from datetime import timedelta
            from django.db.models import F
            from veche.publishing.models import Post
            from veche.publishing.tasks import publish_due_posts_task

            Post.objects.filter(pk={post_id}).update(
                claimed_at=F("claimed_at") - timedelta(minutes=11)
            )
            publish_due_posts_task()
            """,
            env,
        )
        worker = consumer(env, tmp_path / "consumer.log").start()
        wait_until(lambda: state() != "publishing", timeout=60, what="the worker to finish")
    finally:
        worker.kill()

    [(final, remote_id)] = sql(
        db, "select state, remote_id from publishing_post where id = %s", post_id
    )
    assert final == "published"
    assert [p["text"] for p in wall.posts] == [TEXT], "posted twice"
    assert remote_id == str(wall.posts[0]["id"])
    outcomes = sql(
        db, "select outcome from publishing_publication where post_id = %s order by id", post_id
    )
    # The first attempt's outcome stayed unknown (its worker died); the second found the post.
    assert outcomes[-1] == ("found",), outcomes
    assert ("published",) not in outcomes
