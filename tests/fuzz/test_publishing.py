"""Fuzzing what the social networks answer the publishing connectors: a reply of any shape
ends in a `PublishError` (the post is retried or looked up later), never in a KeyError that
stops the publishing run for every other post."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import garbage_bytes
from veche.publishing.connectors import ok, telegram, vk
from veche.publishing.connectors.base import PostStats, Published, PublishError, RemoteComment
from veche.publishing.models import OfficialPage, Post

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEYS = ["items", "id", "post_id", "from_id", "date", "text", "views", "count", "thread", "likes",
        "error", "error_code", "error_msg", "ok", "result", "message_id", "chat"]  # fmt: skip
SCALAR = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False)
)
JSON = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=15,
)
REPLIES = st.one_of(
    JSON.map(lambda body: httpx.Response(200, json={"response": body})),
    JSON.map(lambda body: httpx.Response(200, json={"ok": True, "result": body})),
    JSON.map(lambda body: httpx.Response(200, json=body)),
    garbage_bytes(100).map(lambda raw: httpx.Response(200, content=raw)),
    st.sampled_from([500, 429, 302, 400]).map(lambda status: httpx.Response(status, json={})),
)
CONNECTORS: dict[str, Any] = {
    "vk": vk.connector,
    "ok": ok.connector,
    "telegram": telegram.connector,
}
SECRET = "fuzz-secret-token"


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> dict[str, OfficialPage]:
    monkeypatch.setenv("VECHE_FUZZ_TOKEN", SECRET)
    return {
        network: OfficialPage(
            network=network,
            name="Страница",
            remote_id="@channel" if network == "telegram" else "123",
            token_env="VECHE_FUZZ_TOKEN",
            app_key_env="VECHE_FUZZ_TOKEN",
            secret_env="VECHE_FUZZ_TOKEN",
        )
        for network in CONNECTORS
    }


@settings(max_examples=400)
@given(
    reply=REPLIES,
    network=st.sampled_from(sorted(CONNECTORS)),
    method=st.sampled_from(["send", "find", "fetch", "comments"]),
)
def test_replies_of_any_shape_are_a_publish_error(
    pages: dict[str, OfficialPage],
    monkeypatch: pytest.MonkeyPatch,
    reply: httpx.Response,
    network: str,
    method: str,
) -> None:
    monkeypatch.setattr(httpx, "post", lambda *args, **kwargs: reply)
    page, connector = pages[network], CONNECTORS[network]
    post = Post(page=page, text="Плановое отключение воды", scheduled_at=NOW)
    calls = {
        "send": lambda: connector.send(page, post),
        "find": lambda: connector.find(page, post, NOW),
        "fetch": lambda: connector.fetch(page, ["1", "2"]),
        "comments": lambda: connector.comments(page, ["1"]),
    }
    try:
        result = calls[method]()
    except PublishError as exc:
        assert str(exc)
        assert SECRET not in str(exc)
        return
    if method == "send":
        assert isinstance(result, Published)
    elif method == "find":
        assert result is None or isinstance(result, Published)
    else:
        assert all(isinstance(r, PostStats | RemoteComment) for r in result)
