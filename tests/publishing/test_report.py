"""Stats per page for a month and the monthly XLSX for the regional centre."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from django.test import Client
from openpyxl import load_workbook

from tests.personas import NOW, PASSWORD, World
from veche.publishing.models import OfficialPage, PageComment, Post
from veche.publishing.report import month_bounds, page_figures
from veche.publishing.services import approve_post, plan_post, publish_due

MOSCOW = ZoneInfo("Europe/Moscow")


def out(world: World, page: OfficialPage, *, at: datetime, **stats: int) -> Post:
    post = plan_post(page, text=f"Новость {at}", scheduled_at=at, by=world.operator, now=NOW)
    approve_post(post, by=world.head, now=NOW)
    publish_due(now=at)
    Post.objects.filter(pk=post.pk).update(**stats)
    return post


def test_month_figures_count_only_the_month(world: World, vk_page: OfficialPage) -> None:
    start, end = month_bounds(2026, 11, MOSCOW)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-11-01T00:00:00+03:00",
        "2026-12-01T00:00:00+03:00",
    )
    first = out(world, vk_page, at=NOW, views=1000, likes=30, reposts=5, comments=15)
    out(world, vk_page, at=NOW + timedelta(days=1), views=500, likes=10, reposts=0, comments=5)
    out(world, vk_page, at=NOW + timedelta(days=30), views=999, likes=99)  # December
    PageComment.objects.create(
        page=vk_page,
        post=first,
        remote_id="1",
        author="5",
        text="Позор!",
        posted_at=NOW,
        negativity=0.9,
    )
    PageComment.objects.create(
        page=vk_page,
        post=first,
        remote_id="2",
        author="6",
        text="Спасибо",
        posted_at=NOW,
        negativity=0.0,
    )
    [f] = page_figures(OfficialPage.objects.all(), start, end)
    assert (f.posts, f.views, f.likes, f.reposts, f.comments) == (2, 1500, 40, 5, 20)
    assert f.engagement_rate == 65 / 1500
    assert (f.resident_comments, f.negative_comments, f.mean_negativity) == (2, 1, 0.45)


def test_monthly_xlsx_for_the_regional_centre(world: World, vk_page: OfficialPage) -> None:
    OfficialPage.objects.filter(pk=vk_page.pk).update(name="=HYPERLINK(1)")
    out(world, vk_page, at=NOW, views=200, likes=8, reposts=1, comments=1)
    c = Client()
    assert c.login(username="regional", password=PASSWORD)
    answer = c.get("/publishing/report/?month=2026-11")
    assert answer.status_code == 200
    sheet = load_workbook(BytesIO(answer.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:5] == ("Страница", "Учреждение", "Сеть", "Категория", "Постов")
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert rows[1][2:12] == ("ВКонтакте", "активный", 1, 0.2, 3, 200, 8, 1, 1, 5.0)
    assert c.get("/publishing/report/?month=2026-99").status_code == 400
