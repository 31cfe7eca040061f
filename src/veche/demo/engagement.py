"""The МЦУ's work with residents outside the cases: the official pages («госпаблики») with
their content plan, the information field watched (sources, mentions, alerts), and resident
participation (a poll on the pits road map, a public discussion) — through the apps' own
services, as `demo.problem_work` does.

Nothing here touches a network: the watched sources are switched off, the published posts are
recorded as a worker would have recorded them, and the mail the services send (vote codes,
alert letters) goes to `DemoMailbox`, which keeps it in memory for the build.
"""

import random
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.test.utils import override_settings

from veche.demo import places
from veche.demo.structure import Structure
from veche.monitoring import alerts
from veche.monitoring.connectors.base import FetchedPost
from veche.monitoring.models import Alert, Mention, MonitoredSource, SourceKind, WatchWord
from veche.monitoring.services import add_watch_word, record_post
from veche.org.models import Municipality, User
from veche.participation.discussions import (
    DiscussionData,
    create_discussion,
    moderate_comment,
    post_comment,
)
from veche.participation.models import Discussion, Poll, Question
from veche.participation.services import PollData, add_question, create_poll, open_poll
from veche.participation.voting import (
    Selection,
    cast_ballot,
    confirm_code,
    request_code,
)
from veche.problems.models import Roadmap
from veche.publishing.models import Network, OfficialPage, Post, PostTemplate, Publication
from veche.publishing.services import approve_post, plan_from_template, plan_post
from veche.triage.gazetteer_store import gazetteer_for

ROADMAP_TITLE = "Ремонт участка ул. Ленина у дома 20"  # made by `demo.problem_work`
_SEED = 2026  # the engagement data does not depend on the cases' seed


class DemoMailbox(BaseEmailBackend):
    """The build's mail: kept in memory, never sent. The vote codes are read back from it, as
    a resident reads them in his inbox."""

    sent: ClassVar[list[EmailMessage]] = []

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        DemoMailbox.sent.extend(email_messages)
        return len(email_messages)


@dataclass(frozen=True)
class Engagement:
    pages: list[OfficialPage]
    posts: list[Post]
    sources: list[MonitoredSource]
    mentions: list[Mention]
    alerts: list[Alert]
    poll: Poll
    discussion: Discussion
    ballots: int


def add_engagement(structure: Structure, *, now: datetime) -> Engagement:
    """Official pages and their plan, the watched field, a poll and a discussion."""
    DemoMailbox.sent.clear()
    with override_settings(EMAIL_BACKEND=f"{__name__}.DemoMailbox"):
        clock = _Clock(structure.municipality, now)
        staff = {u.username: u for u in User.objects.filter(username__in=_STAFF)}
        pages = _pages(structure, staff)
        posts = _content_plan(structure.municipality, pages, staff, clock)
        sources = _sources(structure.municipality)
        mentions, raised = _field(structure.municipality, sources, staff, clock)
        poll, ballots = _poll(structure.municipality, staff["head"], clock)
        discussion = _discussion(structure.municipality, staff["head"], clock)
    DemoMailbox.sent.clear()
    return Engagement(pages, posts, sources, mentions, raised, poll, discussion, ballots)


_STAFF = ("head", "deputy", "im", "pos", "publics", "kultura")


class _Clock:
    """Local days and moments of the demo municipality around `now`."""

    def __init__(self, municipality: Municipality, now: datetime) -> None:
        self.zone = ZoneInfo(municipality.time_zone)
        self.now = now
        self.today = now.astimezone(self.zone).date()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.zone)

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)


# --- publishing ---------------------------------------------------------------------------------

_PROFILE = {
    "is_verified": True,
    "phone": "+7 (49400) 2-14-50",
    "address": f"г. {places.TOWN}, ул. Советская, д. 1",
    "hours": "пн–чт 8:30–17:30, пт 8:30–16:15, обед 12:30–13:18",
    "has_avatar": True,
    "has_cover": True,
    "has_widgets": True,
}

_DESCRIPTION = (
    "Официальная страница: новости Краснолесского муниципального округа, ответы на вопросы "
    "жителей, приём обращений."
)

# (network, name, institution, department key, owner, remote id, category, norm, profile?)
_PAGES = (
    (Network.VK, "Администрация Краснолесского муниципального округа", "", None, "publics",
     "-200000101", OfficialPage.Category.FLAGSHIP, 5, True),
    (Network.TELEGRAM, "Краснолесский округ — официально", "", None, "publics",
     "@krasnolesk_official_demo", OfficialPage.Category.ACTIVE, 3, True),
    (Network.OK, "Администрация Краснолесского округа", "", None, "pos",
     "900000000101", OfficialPage.Category.ACTIVE, 3, True),
    (Network.VK, "Дом культуры «Лесозаводец»", "МБУК «Краснолесский районный Дом культуры»",
     "kultura", "kultura", "-200000202", OfficialPage.Category.CARD, 2, False),
)  # fmt: skip


def _pages(structure: Structure, staff: dict[str, User]) -> list[OfficialPage]:
    """The registry of official pages. The publishing app has no service for a page (its page
    form saves the model directly), so the rows are written here the same way."""
    pages = []
    for network, name, institution, department, owner, remote, category, norm, full in _PAGES:
        profile = dict(_PROFILE) if full else {"is_verified": True, "has_avatar": True}
        pages.append(
            OfficialPage.objects.create(
                municipality=structure.municipality,
                network=network,
                name=name,
                institution=institution,
                department=structure.departments[department] if department else None,
                owner=staff.get(owner) or staff["publics"],
                remote_id=remote,
                token_env=f"VECHE_DEMO_{network.upper()}_PAGE_TOKEN",
                app_key_env="VECHE_DEMO_OK_APP_KEY" if network == Network.OK else "",
                secret_env="VECHE_DEMO_OK_SECRET" if network == Network.OK else "",
                category=category,
                posts_per_week=norm,
                description=_DESCRIPTION if full else "",
                **profile,
            )
        )
    return pages


_POSTS = (
    "На ул. Ленина у дома 20 завершён ямочный ремонт картами: заделано 420 м² покрытия. "
    "Следующий этап — лотки водоотвода вдоль проезжей части.",
    "В с. Берёзовка восстановлено водоснабжение после замены участка водовода на "
    "ул. Центральная. Спасибо жителям за терпение.",
    "График вывоза ТКО с площадки на ул. Мира, 14 изменён: теперь вывоз ежедневный, "
    "на площадке установлены два дополнительных контейнера.",
    "В п. Сосновый Бор заменены 14 светильников уличного освещения на ул. Лесная и ул. Школьная.",
    "Приём граждан главой округа — в четверг с 14:00 в администрации, ул. Советская, 1. "
    "Запись по телефону приёмной.",
    "Жители д. Кузьминки, спасибо за сигнал о стихийной свалке у дороги на п. Торфяной: "
    "мусор вывезен, место включено в маршрут рейдов.",
    "Открыто голосование: какой участок дорог ремонтировать следующим. Голос подтверждается "
    "кодом на электронную почту, итоги опубликуем.",
    "Общественное обсуждение проекта благоустройства сквера на ул. Набережная продлится две "
    "недели. Замечания принимаются на странице обсуждения.",
    "В п. Заречный открылся после ремонта фельдшерско-акушерский пункт, приём — ежедневно "
    "с 8:00 до 14:00.",
    "Школьный автобус в д. Перевоз с понедельника ходит по новому расписанию: отправление "
    "от остановки «Пристань» в 7:40.",
)
_CULTURE_POSTS = (
    "В субботу в Доме культуры — концерт народного хора «Краснолесье». Начало в 16:00, вход "
    "свободный.",
    "Открыта запись в кружки Дома культуры: вокал, хореография, театральная студия. "
    "Занятия бесплатные.",
    "Выставка работ юных художников п. Лесозаводский продлится до конца месяца.",
)
_FUTURE_POSTS = (
    "Плановое отключение холодной воды на ул. Садовая, дома 1–15, в среду с 9:00 до 15:00: "
    "замена задвижки.",
    "Напоминаем: голосование о следующем участке ремонта дорог продлится ещё неделю.",
    "Ярмарка выходного дня на площади у администрации: фермеры Ключевского и Покровского "
    "территориальных отделов.",
    "Итоги месяца: сколько обращений пришло и сколько решено, по каждому территориальному отделу.",
)


def _content_plan(
    municipality: Municipality, pages: list[OfficialPage], staff: dict[str, User], clock: _Clock
) -> list[Post]:
    """Three weeks published, the next two weeks planned: approved posts on their dates, one
    draft, and a mandatory regional post missing on one page."""
    rng = random.Random(_SEED)
    publics, head = staff["publics"], staff["head"]
    vk, telegram, ok, culture = pages
    posts: list[Post] = []
    # Posting days in the last three weeks (0 = today): the admin VK page keeps above its norm,
    # Telegram on norm, OK falls behind (the checks show it), the culture page posts weekly.
    schedule = (
        (vk, range(-21, 0), 0.8, _POSTS),
        (telegram, range(-21, 0), 0.5, _POSTS),
        (ok, range(-21, -6), 0.35, _POSTS),
        (culture, range(-21, 0), 0.3, _CULTURE_POSTS),
    )
    for page, days, share, texts in schedule:
        for offset in days:
            if rng.random() < share:
                moment = clock.at(clock.day(offset), rng.choice((9, 11, 13, 17)), 30)
                text = texts[(offset + len(posts)) % len(texts)]
                posts.append(_published(page, text, moment, publics, head, rng))
    posts.extend(_templates(municipality, pages, publics, head, clock, rng))
    for number, text in enumerate(_FUTURE_POSTS):
        page = (vk, telegram, ok, vk)[number]
        moment = clock.at(clock.day(2 + 3 * number), 10)
        planned = plan_post(page, text=text, scheduled_at=moment, by=publics, now=clock.now)
        posts.append(approve_post(planned, by=head, now=clock.now))
    # One draft waits for approval.
    draft = "Фотоконкурс «Осень в Краснолесье»: присылайте снимки в сообщения сообщества."
    posts.append(
        plan_post(
            culture, text=draft, scheduled_at=clock.at(clock.day(9), 12), by=publics,
            now=clock.now,
        )
    )  # fmt: skip
    return posts


def _published(
    page: OfficialPage,
    text: str,
    moment: datetime,
    by: User,
    approver: User,
    rng: random.Random,
    template: PostTemplate | None = None,
) -> Post:
    """A post planned and approved through the services, then recorded as published. The
    publishing service only records a publication after the network's answer
    (`publish_post` → `connector.send`), so the outcome is written here as `_finish` writes
    it — no call goes out — with its `Publication` row and the reach the stats would bring."""
    post = plan_post(
        page, text=text, scheduled_at=moment, by=by, now=moment - timedelta(days=1),
        template=template,
    )  # fmt: skip
    post = approve_post(post, by=approver, now=moment - timedelta(hours=20))
    remote = str(rng.randint(10_000, 99_999))
    views = rng.randint(300, 4_000) if page.network != Network.OK else rng.randint(80, 600)
    Post.objects.filter(pk=post.pk).update(
        state=Post.State.PUBLISHED,
        attempts=1,
        remote_id=remote,
        published_at=moment,
        views=views,
        likes=views // rng.randint(15, 40),
        reposts=views // rng.randint(80, 200),
        comments=views // rng.randint(60, 150),
        stats_at=moment + timedelta(days=1),
    )
    Publication.objects.create(
        post=post,
        claim=uuid.uuid4(),
        started_at=moment,
        finished_at=moment,
        outcome=Publication.Outcome.PUBLISHED,
        remote_id=remote,
    )
    post.refresh_from_db()
    return post


def _templates(
    municipality: Municipality,
    pages: list[OfficialPage],
    by: User,
    approver: User,
    clock: _Clock,
    rng: random.Random,
) -> list[Post]:
    """Post templates: a regional one, a mandatory one with a deadline (out on every page but
    OK, whose post still waits as a draft), and a local one. The app has no service to write a
    template (only the admin site does), so they are created directly."""
    PostTemplate.objects.create(
        municipality=municipality,
        title="Госуслуги: запись к врачу онлайн",
        text="Записаться к врачу можно на Госуслугах без звонка в регистратуру: раздел "
        "«Здоровье», выберите поликлинику и удобное время.",
        from_region=True,
    )
    mandatory = PostTemplate.objects.create(
        municipality=municipality,
        title="Имущественные налоги: срок уплаты",
        text="Срок уплаты налога на имущество, земельного и транспортного налогов физических "
        "лиц — не позднее 1 декабря. Уведомление — в личном кабинете налогоплательщика или на "
        "Госуслугах.",
        from_region=True,
        is_mandatory=True,
        due_at=clock.at(clock.day(-2), 18),
    )
    PostTemplate.objects.create(
        municipality=municipality,
        title="Плановое отключение воды",
        text="Плановое отключение холодной воды по адресу: … Причина: … Время: …",
    )
    posted = clock.at(clock.day(-4), 10)
    vk, telegram, _ok, culture = pages
    out = [
        _published(page, mandatory.text, posted, by, approver, rng, template=mandatory)
        for page in (vk, telegram, culture)
    ]
    # The rest of the targeted pages get their draft from the template, as the plan page does.
    out.extend(plan_from_template(mandatory, scheduled_at=posted, by=by, now=posted))
    return out


# --- monitoring ---------------------------------------------------------------------------------

_WORDS = ("подтопление", "свалка", "нет воды", "яма", "отключение")

# (kind, name, address, config)
_SOURCES: tuple[tuple[SourceKind, str, str, dict[str, str]], ...] = (
    (SourceKind.RSS, "Газета «Краснолесские вести»", "https://vesti.krasnolesk.example/rss.xml",
     {}),
    (SourceKind.VK, "Подслушано в Краснолесске", "-100000303",
     {"token_env": "VECHE_DEMO_VK_TOKEN"}),
    (SourceKind.TELEGRAM, "Краснолесск 24", "krasnolesk24_demo", {}),
)  # fmt: skip


def _sources(municipality: Municipality) -> list[MonitoredSource]:
    """The watched sources, switched off until an administrator checks the addresses, like
    the demo's intake sources (the demo runs offline). The monitoring app has no service to
    add a source (its sources page saves the form), so they are written directly."""
    return [
        MonitoredSource.objects.create(
            municipality=municipality, kind=kind, name=name, address=address, config=config,
            schedule_minutes=30, is_active=False,
        )
        for kind, name, address, config in _SOURCES
    ]  # fmt: skip


@dataclass(frozen=True)
class _Talk:
    source: int  # index in _SOURCES
    hours_ago: float
    text: str
    views: int = 0
    reposts: int = 0
    comments: int = 0
    author: str = ""


_BACKGROUND = (
    _Talk(0, 300, "На ул. Ленина у дома 20 начали ямочный ремонт картами. По словам "
          "подрядчика, работы займут неделю.", 1_800),
    _Talk(1, 270, "Кто знает, когда на ул. Мира, 14 будут вывозить мусор? Площадка опять "
          "переполнена, пакеты стоят на земле.", 2_400, 6, 31, "Ирина"),
    _Talk(2, 250, "В с. Берёзовка второй день нет воды. В администрации говорят, меняют "
          "участок водовода.", 5_200, 40, 12),
    _Talk(1, 200, "В п. Сосновый Бор на ул. Лесная наконец горят фонари. Спасибо!",
          900, 1, 8, "Сергей"),
    _Talk(0, 170, "Администрация округа объявила голосование о следующем участке ремонта "
          "дорог. Среди вариантов — ул. Мира и ул. Школьная.", 1_100),
    _Talk(2, 120, "Яма на ул. Гагарина у дома 12: машины объезжают её по встречной.",
          3_300, 18, 9),
    _Talk(1, 60, "На ул. Школьная опять не горит освещение, дети утром идут по темноте.",
          2_700, 9, 44, "Марина"),
    _Talk(2, 30, "На ул. Школьная опять не горит освещение, дети утром идут по темноте.",
          1_500, 3, 2),  # the same words again: a repost
    _Talk(0, 20, "Общественное обсуждение сквера на ул. Набережная: жители предлагают "
          "оставить старые липы и поставить скамейки.", 700),
)  # fmt: skip

# A week ago: talk about a dump near д. Кузьминки spikes; the МЦУ had it cleared (handled).
_HANDLED_SPIKE = tuple(
    _Talk(source, 170 + minutes / 60, text, views, reposts, comments, author)
    for source, minutes, text, views, reposts, comments, author in (
        (1, 26, "У дороги в д. Кузьминки кто-то вывалил строительный мусор, целая свалка.",
         1_900, 7, 23, "Алексей"),
        (2, 22, "Свалка у въезда в д. Кузьминки растёт: сегодня привезли ещё два кузова.",
         2_600, 12, 5, ""),
        (1, 17, "Д. Кузьминки: мусор у дороги уже на проезжей части, фото в комментариях.",
         1_300, 4, 17, "Ольга"),
        (2, 12, "Жители д. Кузьминки жалуются на свалку у дороги на п. Торфяной.",
         3_100, 15, 6, ""),
        (1, 6, "Кто отвечает за свалку у д. Кузьминки? Третий день никто не убирает.",
         1_100, 2, 29, "Татьяна"),
        (2, 2, "В д. Кузьминки свалку у дороги снимают с квадрокоптера — видео у нас.",
         4_800, 30, 11, ""),
    )
)  # fmt: skip

# Three hours ago: a yard on ул. Садовая flooded after the rain — the open alert.
_OPEN_SPIKE = tuple(
    _Talk(source, 3 + minutes / 60, text, views, reposts, comments, author)
    for source, minutes, text, views, reposts, comments, author in (
        (1, 28, "Ул. Садовая, двор дома 5 снова затопило, вода по колено.",
         2_200, 8, 36, "Наталья"),
        (2, 24, "Подтопление на ул. Садовая: из подъездов не выйти, машины стоят в воде.",
         4_100, 25, 9, ""),
        (1, 19, "Садовая 5 опять плывёт. Сколько можно, каждый дождь одно и то же.",
         1_600, 3, 41, "Виктор"),
        (2, 15, "Жители ул. Садовая просят откачать воду из двора: ливнёвки там нет.",
         3_800, 19, 7, ""),
        (1, 10, "На ул. Садовая у дома 5 вода уже в подвале, пахнет канализацией.",
         1_200, 5, 22, "Юлия"),
        (2, 5, "Видео: двор на ул. Садовая после ливня — сплошное озеро.",
         6_300, 44, 15, ""),
    )
)  # fmt: skip


def _field(
    municipality: Municipality,
    sources: list[MonitoredSource],
    staff: dict[str, User],
    clock: _Clock,
) -> tuple[list[Mention], list[Alert]]:
    """The field as the fetches would have found it: each batch recorded and checked for
    alerts at its moment; the week-old spike marked handled by the IM officer."""
    for phrase in _WORDS:
        add_watch_word(municipality, phrase)
    mentions = _found(municipality, sources, _BACKGROUND, clock)
    mentions += _found(municipality, sources, _HANDLED_SPIKE, clock)
    handled = Alert.objects.filter(municipality=municipality, handled_at__isnull=True)
    for alert in handled:
        alerts.mark_handled(
            alert,
            response="Свалку у д. Кузьминки вывез подрядчик по содержанию дорог; место "
            "включено в маршрут рейдов, у въезда установлен знак.",
            by=staff["im"],
            now=alert.created_at + timedelta(hours=20),
        )
    mentions += _found(municipality, sources, _OPEN_SPIKE, clock)
    return mentions, list(Alert.objects.filter(municipality=municipality))


def _found(
    municipality: Municipality,
    sources: list[MonitoredSource],
    talk: Sequence[_Talk],
    clock: _Clock,
) -> list[Mention]:
    """Record the posts one by one, each found a few minutes after it appeared, and check the
    alerts after each, as a source read every few minutes would. `fetch_source` reads through
    the network's connector; `record_post` is its step that turns one fetched post into a mention
    (the places matched in the gazetteer, the watched words, the risk, the repost link)."""
    gazetteer = gazetteer_for(municipality)
    words = list(
        WatchWord.objects.filter(municipality=municipality).values_list("phrase", "lemmas")
    )
    recorded = []
    for item in sorted(talk, key=lambda t: -t.hours_ago):
        source = sources[item.source]
        published = clock.now - timedelta(hours=item.hours_ago)
        found = published + timedelta(minutes=4)
        number = f"{int(published.timestamp())}"
        post = FetchedPost(
            external_id=number,
            text=item.text,
            published_at=published,
            author=item.author,
            views=item.views,
            reposts=item.reposts,
            comments=item.comments,
        )
        mention, _ = record_post(source, post, gazetteer, words, now=found)
        if mention is None:
            raise ValueError(f"Текст мониторинга не нашёл ни места, ни слова: {item.text}")
        recorded.append(mention)
        alerts.check_alerts(municipality, [mention], now=found)
    last = max(clock.now - timedelta(hours=t.hours_ago) for t in talk) + timedelta(minutes=4)
    for source in sources:
        MonitoredSource.objects.filter(pk=source.pk).update(last_run_at=last, last_success_at=last)
    return recorded


# --- participation ------------------------------------------------------------------------------

_CHOICES = (
    ("ул. Мира от д. 2 до д. 14 (подъезд к контейнерной площадке)", 9),
    ("ул. Школьная от школы до ул. Садовой", 14),
    ("ул. Гагарина от д. 2 до д. 16", 11),
    ("пер. Почтовый", 4),
)
_FIRST = ("ivanova", "petrov", "smirnova", "kuznetsov", "popova", "vasiliev", "sokolova",
          "morozov", "novikova", "fedorov", "volkova", "alekseev", "lebedeva", "semenov",
          "egorova", "pavlov", "kozlova", "stepanov", "nikolaeva", "orlov")  # fmt: skip
_MAILS = ("pochta.example", "mail.krasnolesk.example", "inbox.example")
_COMMENTS_ON_ROAD = (
    "Школьная важнее всего: там ходят дети, а обочины нет.",
    "На ул. Мира машины мусоровоза разбили весь подъезд, прошу её.",
    "На Гагарина яма у дома 12 — там каждый день пробка.",
)
_CODE = re.compile(r": (\d{4,8})\.")


def _poll(municipality: Municipality, head: User, clock: _Clock) -> tuple[Poll, int]:
    """«Какой участок ремонтировать следующим?» on the pits road map: open for ten days, e-mail
    codes, residents voting through the public page's steps (code asked, code confirmed,
    ballot cast). A few asked for a code and never came back."""
    rng = random.Random(_SEED + 1)
    roadmap = Roadmap.objects.filter(municipality=municipality, title=ROADMAP_TITLE).first()
    opened = clock.at(clock.day(-10), 9)
    poll = create_poll(
        municipality,
        PollData(
            title="Какой участок ремонтировать следующим?",
            confirmation=Poll.Confirmation.EMAIL,
            description=(
                "Участок ул. Ленина у дома 20 отремонтирован по дорожной карте. На следующий "
                "год в бюджете есть средства ещё на один участок — выберите, какой."
            ),
            problem=roadmap.problem if roadmap is not None else None,
            roadmap=roadmap,
            opens_at=opened,
            closes_at=clock.at(clock.day(11), 18),
        ),
        by=head,
        now=opened - timedelta(days=1),
    )
    question = add_question(
        poll,
        text="Какой участок ремонтировать следующим?",
        kind=Question.Kind.SINGLE,
        required=True,
        choices=[text for text, _ in _CHOICES],
        by=head,
    )
    remark = add_question(
        poll, text="Что ещё учесть при ремонте?", kind=Question.Kind.TEXT, required=False,
        choices=[], by=head,
    )  # fmt: skip
    poll = open_poll(poll, by=head, now=opened)
    choices = list(question.choices.all())
    weights = [weight for _, weight in _CHOICES]
    span = int((clock.now - opened).total_seconds() // 60) - 60
    cast = 0
    for number in range(42):
        moment = opened + timedelta(minutes=rng.randint(30, span))
        address = f"{rng.choice(_FIRST)}{number + 1950}@{rng.choice(_MAILS)}"
        ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{number + 1}"
        voter = request_code(poll, address, ip=ip, agent="Mozilla/5.0", now=moment)
        if number % 10 == 9:
            continue  # asked for a code and never came back
        code = _last_code(address)
        voter = confirm_code(poll, voter.pk, code, now=moment + timedelta(minutes=2))
        selections = [Selection(question, choice=rng.choices(choices, weights)[0])]
        if number % 7 == 0:
            selections.append(
                Selection(remark, text=_COMMENTS_ON_ROAD[number % len(_COMMENTS_ON_ROAD)])
            )
        cast_ballot(
            poll, voter.pk, selections, ip=ip, now=moment + timedelta(minutes=3), resident=True
        )
        cast += 1
    return poll, cast


def _last_code(address: str) -> str:
    """The code the service mailed to `address`, read from the build's mailbox."""
    for message in reversed(DemoMailbox.sent):
        if address in message.to:
            found = _CODE.search(str(message.body))
            if found:
                return found.group(1)
    raise ValueError(f"Код для {address} не отправлен.")


_DOCUMENT = (
    "Проект благоустройства сквера на ул. Набережная (г. Краснолесск).\n\n"
    "1. Дорожки из брусчатки по существующим тропинкам, ширина 2 м.\n"
    "2. Освещение: 12 светильников на опорах высотой 4 м.\n"
    "3. Детская площадка у ул. Пионерская, 20 скамеек, 10 урн.\n"
    "4. Санитарная обрезка деревьев; вырубка только аварийных, по заключению дендролога.\n"
    "5. Срок работ — с мая по август следующего года."
)
# (name, text, publish?): None waits for moderation.
_DISCUSSION_COMMENTS = (
    ("Галина Петровна", "Прошу сохранить старые липы у входа, им больше шестидесяти лет.", True),
    ("Андрей", "Нужна велопарковка у детской площадки, велосипеды ставят к деревьям.", True),
    ("Жители дома 7", "Светильники не направляйте в окна первых этажей.", True),
    ("Олег", "Урн мало, хотя бы пятнадцать, летом в сквере много людей.", True),
    ("Промо", "Брусчатка недорого, звоните.", False),
    ("Марина С.", "Будет ли пандус со стороны ул. Набережная для колясок?", None),
)


def _discussion(municipality: Municipality, head: User, clock: _Clock) -> Discussion:
    """An open public discussion of a document with moderated comments."""
    opened = clock.at(clock.day(-7), 9)
    discussion = create_discussion(
        municipality,
        DiscussionData(
            title="Благоустройство сквера на ул. Набережная",
            document=_DOCUMENT,
            opens_at=opened,
            closes_at=clock.at(clock.day(14), 18),
        ),
        by=head,
        now=opened - timedelta(days=1),
    )
    for number, (name, text, publish) in enumerate(_DISCUSSION_COMMENTS):
        written = opened + timedelta(hours=7 + 19 * number)
        comment = post_comment(
            discussion, author_name=name, text=text, ip=f"10.77.0.{number + 1}", now=written
        )
        if publish is not None:
            moderate_comment(comment, publish=publish, by=head, now=written + timedelta(hours=3))
    return discussion
