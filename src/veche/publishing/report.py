"""Stats per page and per post for a period, and the monthly XLSX for the regional centre
(ЦУР): activity (posts, posts a week against the norm), reach (views), engagement (likes,
reposts, comments, and their share of views) and the tone of residents' comments, the
Минцифры rating parameters named in DOMAIN.md §4 («частотность публикаций», «уровень
вовлечённости»), plus profile completeness."""

from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q, QuerySet, Sum
from openpyxl import Workbook
from openpyxl.styles import Font

from veche.publishing.checks import profile_gaps
from veche.publishing.models import OfficialPage, PageComment, Post
from veche.web.cells import csv_text

NEGATIVE = 0.5  # a comment at or above this negativity counts as negative


@dataclass(frozen=True)
class PageFigures:
    page: OfficialPage
    posts: int
    views: int
    likes: int
    reposts: int
    comments: int
    resident_comments: int
    negative_comments: int
    mean_negativity: float
    weeks: float

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.comments

    @property
    def engagement_rate(self) -> float | None:
        """Engagement per view, where the network reports views."""
        return self.engagement / self.views if self.views else None

    @property
    def posts_per_week(self) -> float:
        return self.posts / self.weeks if self.weeks else 0.0


def month_bounds(year: int, month: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end, time.min, tzinfo=zone),
    )


def page_figures(
    pages: QuerySet[OfficialPage], start: datetime, end: datetime
) -> list[PageFigures]:
    inside = Q(posts__state=Post.State.PUBLISHED) & Q(
        posts__published_at__gte=start, posts__published_at__lt=end
    )
    rows = pages.annotate(
        n=Count("posts", filter=inside),
        v=Sum("posts__views", filter=inside, default=0),
        lk=Sum("posts__likes", filter=inside, default=0),
        rp=Sum("posts__reposts", filter=inside, default=0),
        cm=Sum("posts__comments", filter=inside, default=0),
    ).order_by("name")
    tone = {
        row["page_id"]: row
        for row in PageComment.objects.filter(
            page__in=pages, posted_at__gte=start, posted_at__lt=end
        )
        .values("page_id")
        .annotate(
            total=Count("id"),
            negative=Count("id", filter=Q(negativity__gte=NEGATIVE)),
            mean=Avg("negativity"),
        )
    }
    weeks = (end - start).total_seconds() / (7 * 86400)
    return [
        PageFigures(
            page=page,
            posts=page.n,
            views=page.v,
            likes=page.lk,
            reposts=page.rp,
            comments=page.cm,
            resident_comments=tone.get(page.pk, {}).get("total", 0),
            negative_comments=tone.get(page.pk, {}).get("negative", 0),
            mean_negativity=float(tone.get(page.pk, {}).get("mean") or 0.0),
            weeks=weeks,
        )
        for page in rows
    ]


HEADER = (
    "Страница",
    "Учреждение",
    "Сеть",
    "Категория",
    "Постов",
    "Постов в неделю",
    "Норма в неделю",
    "Просмотры",
    "Лайки",
    "Репосты",
    "Комментарии",
    "Вовлечённость, % просмотров",
    "Комментариев жителей",
    "Из них негативных",
    "Не хватает в профиле",
)


def monthly_xlsx(pages: QuerySet[OfficialPage], year: int, month: int, zone: ZoneInfo) -> bytes:
    start, end = month_bounds(year, month, zone)
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = f"Госпаблики {month:02d}.{year}"
    sheet.append([f"Активность официальных страниц за {month:02d}.{year}"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for f in page_figures(pages, start, end):
        rate = f.engagement_rate
        sheet.append(
            [
                _text(f.page.name),
                _text(f.page.institution),
                f.page.get_network_display(),
                f.page.get_category_display(),
                f.posts,
                round(f.posts_per_week, 1),
                f.page.posts_per_week,
                f.views,
                f.likes,
                f.reposts,
                f.comments,
                round(rate * 100, 2) if rate is not None else None,
                f.resident_comments,
                f.negative_comments,
                ", ".join(profile_gaps(f.page)),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: str) -> str:
    """Text never becomes a formula in the spreadsheet."""
    return csv_text(value)
