"""Each network's connector against its local fake: what comes back, and how failures read."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.monitoring.fakes import (
    VK_TOKEN,
    FakeFeeds,
    FakeTelegramPreview,
    FakeVkWall,
    TgPost,
    atom,
    rss,
)
from veche.monitoring.connectors import rss as rss_connector
from veche.monitoring.connectors import telegram as tg_connector
from veche.monitoring.connectors import vk as vk_connector
from veche.monitoring.connectors.base import ConnectorError
from veche.monitoring.models import MonitoredSource, SourceKind

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _source(kind: SourceKind, address: str, **config: object) -> MonitoredSource:
    """An unsaved source: connectors only read it and move its cursor."""
    return MonitoredSource(kind=kind, name="тест", address=address, config=config)


def test_rss_items_come_back_with_text_without_markup_and_dates(feeds: FakeFeeds) -> None:
    feeds.feeds["/news.xml"] = rss(
        [
            {
                "title": "Прорыв трубы на улице Мира",
                "description": "<p>Жители <b>без воды</b> &amp; тепла</p>",
                "link": "https://vesti.example/1",
                "date": "Mon, 23 Nov 2026 08:30:00 +0300",
            },
            {"title": "Без даты", "link": "https://vesti.example/2"},
        ]
    )
    source = _source(SourceKind.RSS, f"{feeds.url}/news.xml")
    posts = rss_connector.connector.fetch(source, NOW)
    assert [p.external_id for p in posts] == ["https://vesti.example/1", "https://vesti.example/2"]
    assert posts[0].text == "Прорыв трубы на улице Мира\nЖители без воды & тепла"
    assert posts[0].published_at == datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
    assert posts[1].published_at == NOW
    assert source.cursor["etag"]


def test_an_unchanged_feed_answers_304_and_brings_nothing(feeds: FakeFeeds) -> None:
    feeds.feeds["/news.xml"] = rss([{"title": "Новость", "link": "https://vesti.example/1"}])
    source = _source(SourceKind.RSS, f"{feeds.url}/news.xml")
    assert len(rss_connector.connector.fetch(source, NOW)) == 1
    assert rss_connector.connector.fetch(source, NOW) == []
    assert feeds.requests == 2


def test_atom_entries_are_read(feeds: FakeFeeds) -> None:
    feeds.feeds["/atom"] = atom(
        [
            {
                "id": "tag:adm,2026:42",
                "title": "Отключение света в Берёзовке",
                "link": "https://adm.example/42",
                "published": "2026-11-23T07:00:00+03:00",
                "summary": "<p>С 10 до 16 часов</p>",
                "author": "Пресс-служба",
            }
        ]
    )
    (post,) = rss_connector.connector.fetch(_source(SourceKind.RSS, f"{feeds.url}/atom"), NOW)
    assert post.external_id == "tag:adm,2026:42"
    assert post.text == "Отключение света в Берёзовке\nС 10 до 16 часов"
    assert post.url == "https://adm.example/42"
    assert post.author == "Пресс-служба"
    assert post.published_at == datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"<html><body>not a feed", "не XML"), (b"<html><body/></html>", "не RSS и не Atom")],
)
def test_a_page_that_is_not_a_feed_fails_with_a_reason(
    feeds: FakeFeeds, body: bytes, message: str
) -> None:
    feeds.feeds["/bad"] = body
    with pytest.raises(ConnectorError, match=message):
        rss_connector.connector.fetch(_source(SourceKind.RSS, f"{feeds.url}/bad"), NOW)


def test_a_missing_feed_fails_with_its_status(feeds: FakeFeeds) -> None:
    with pytest.raises(ConnectorError, match="404"):
        rss_connector.connector.fetch(_source(SourceKind.RSS, f"{feeds.url}/gone"), NOW)


def test_telegram_preview_posts_with_text_time_and_views(telegram: FakeTelegramPreview) -> None:
    telegram.channels["krasnolesk_news"] = [
        TgPost(101, "Опять нет света\nна улице Ленина", NOW - timedelta(hours=2), views="1.2K"),
        TgPost(102, "Тишина & покой <b>", NOW - timedelta(hours=1), views="845"),
    ]
    source = _source(SourceKind.TELEGRAM, "@krasnolesk_news", base_url=telegram.url)
    posts = tg_connector.connector.fetch(source, NOW)
    assert [(p.external_id, p.views) for p in posts] == [
        ("krasnolesk_news/101", 1200),
        ("krasnolesk_news/102", 845),
    ]
    assert posts[0].text == "Опять нет света\nна улице Ленина"
    assert posts[1].text == "Тишина & покой <b>"
    assert posts[0].published_at == NOW - timedelta(hours=2)
    assert posts[0].url == "https://t.me/krasnolesk_news/101"


def test_a_channel_without_a_public_preview_fails(telegram: FakeTelegramPreview) -> None:
    source = _source(SourceKind.TELEGRAM, "https://t.me/closed_chan", base_url=telegram.url)
    with pytest.raises(ConnectorError, match="нет открытого просмотра"):
        tg_connector.connector.fetch(source, NOW)


@pytest.mark.parametrize("address", ["", "a b", "@x", "t.me/+invite"])
def test_a_bad_channel_name_is_refused(address: str) -> None:
    with pytest.raises(ConnectorError, match="не имя публичного канала"):
        tg_connector.channel_name(address)


@pytest.mark.parametrize(
    ("shown", "number"), [("845", 845), ("1.2K", 1200), ("3M", 3_000_000), ("", 0)]
)
def test_telegram_view_counts(shown: str, number: int) -> None:
    assert tg_connector.count(shown) == number


def test_vk_wall_posts_with_reach_and_reposted_text(vk: FakeVkWall) -> None:
    vk.post(
        -555, 7, "Яма на Советской", NOW - timedelta(hours=3), views=900, reposts=4, comments=12
    )
    vk.post(-555, 8, "", NOW - timedelta(hours=1), copy_of="Репост: свалка у школы")
    source = _source(SourceKind.VK, "-555", token=VK_TOKEN, api_url=vk.url)
    posts = vk_connector.connector.fetch(source, NOW)
    assert [(p.external_id, p.views, p.reposts, p.comments) for p in posts] == [
        ("wall-555_8", 0, 0, 0),
        ("wall-555_7", 900, 4, 12),
    ]
    assert posts[0].text == "Репост: свалка у школы"
    assert posts[1].url == "https://vk.com/wall-555_7"
    assert posts[1].published_at == NOW - timedelta(hours=3)
    assert vk.calls[0]["owner_id"] == "-555"


def test_vk_wall_by_screen_name(vk: FakeVkWall, monkeypatch: pytest.MonkeyPatch) -> None:
    vk.post(-9, 1, "Новость", NOW)
    vk.domains["krasnolesk"] = -9
    monkeypatch.setenv("MON_VK_TOKEN", VK_TOKEN)
    source = _source(
        SourceKind.VK, "https://vk.com/krasnolesk", token_env="MON_VK_TOKEN", api_url=vk.url
    )
    assert [p.external_id for p in vk_connector.connector.fetch(source, NOW)] == ["wall-9_1"]
    assert vk.calls[0]["domain"] == "krasnolesk"


def test_vk_errors_never_show_the_token(vk: FakeVkWall) -> None:
    source = _source(SourceKind.VK, "-555", token="wrong-secret-token", api_url=vk.url)
    with pytest.raises(ConnectorError) as caught:
        vk_connector.connector.fetch(source, NOW)
    assert "authorization failed" in str(caught.value)
    assert "wrong-secret-token" not in str(caught.value)


def test_vk_without_a_token_fails_before_calling() -> None:
    with pytest.raises(ConnectorError, match="Не задан ключ"):
        vk_connector.connector.fetch(_source(SourceKind.VK, "-1"), NOW)
