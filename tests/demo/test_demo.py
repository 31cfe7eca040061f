"""`veche demo`: the demo municipality, its staff and a year of cases, built twice safely."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from veche.cases.models import Case, Event
from veche.cases.workflow import Regime, Status, is_allowed
from veche.catalog.models import Channel, Topic
from veche.demo import orgchart
from veche.demo.builder import DemoError, DemoResult, build_demo
from veche.demo.staff import DEMO_PASSWORD
from veche.intake.connectors import connector_for
from veche.intake.models import Source
from veche.org.models import Block, Department, Membership, Municipality, Role, Territory, User

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CITY = "Дороги, транспорт, ЖКХ, благоустройство, ТКО, строительство, архитектура"
SOCIAL = "Социальная политика"
ECONOMY = "Экономика, сельское хозяйство и торговля"


@pytest.fixture
def demo() -> DemoResult:
    return build_demo(cases=300, seed=7, now=NOW)


def _departments(block: str) -> set[str]:
    return set(Department.objects.filter(block__name=block).values_list("name", flat=True))


def test_builds_three_blocks_with_their_departments(demo: DemoResult) -> None:
    blocks = Block.objects.filter(municipality=demo.municipality)
    assert sorted(blocks.values_list("name", flat=True)) == sorted([CITY, SOCIAL, ECONOMY])
    city = _departments(CITY)
    assert {
        "Комитет жилищно-коммунального хозяйства",
        "Комитет по дорожному хозяйству и транспорту",
        "Комитет архитектуры и градостроительства",
        "Управление городского хозяйства",
    } < city
    territorial = Department.objects.filter(kind=Department.Kind.TERRITORIAL, block__name=CITY)
    assert territorial.count() == 12
    assert len(city) == 16
    assert _departments(SOCIAL) == {
        "Управление культуры и спорта",
        "Управление образования",
        "Отдел ЗАГС",
        "Комиссия по делам несовершеннолетних и защите их прав",
        "Управление социальной защиты населения",
        "Отдел по делам молодёжи",
    }
    assert len(_departments(ECONOMY)) == 4


def test_centre_and_services_stand_outside_the_blocks(demo: DemoResult) -> None:
    outside = Department.objects.filter(municipality=demo.municipality, block=None)
    names = dict(outside.values_list("name", "kind"))
    assert names["Муниципальный центр управления"] == Department.Kind.CENTRE
    assert {"Правовое управление", "Отдел по делам ГО и ЧС"} <= names.keys()
    assert names["МКУ «Единая дежурно-диспетчерская служба»"] == Department.Kind.INSTITUTION


def test_territories_form_a_tree_of_units_and_settlements(demo: DemoResult) -> None:
    territories = Territory.objects.filter(municipality=demo.municipality)
    district = territories.get(kind=Territory.Kind.DISTRICT)
    units = territories.filter(kind=Territory.Kind.UNIT)
    assert units.count() == 12
    assert set(units.values_list("parent", flat=True)) == {district.pk}
    for unit in units:
        settlements = unit.children.filter(kind=Territory.Kind.SETTLEMENT)
        assert 3 <= settlements.count() <= 4
        for settlement in settlements:
            assert settlement.lat is not None and settlement.lon is not None
            assert abs(settlement.lat - 58.14) < 1 and abs(settlement.lon - 42.47) < 1
    unit_departments = Department.objects.filter(kind=Department.Kind.TERRITORIAL)
    assert set(unit_departments.values_list("territory", flat=True)) == set(
        units.values_list("pk", flat=True)
    )


def test_every_role_has_a_user(demo: DemoResult) -> None:
    memberships = Membership.objects.filter(municipality=demo.municipality)
    assert set(memberships.values_list("role", flat=True)) == set(Role)
    heads = {b.name: b.head.username for b in Block.objects.select_related("head") if b.head}
    assert heads == {CITY: "gorhoz", SOCIAL: "social", ECONOMY: "economy"}


def test_demo_logins_share_the_printed_password(demo: DemoResult) -> None:
    admin = User.objects.get(username="admin")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert admin.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="zhkh_isp").check_password(DEMO_PASSWORD)
    assert not User.objects.get(username="curator").is_superuser


def test_blocks_answer_for_topic_groups(demo: DemoResult) -> None:
    for spec in orgchart.BLOCKS:
        block = Block.objects.get(municipality=demo.municipality, name=spec.name)
        assert set(block.topics.values_list("name", flat=True)) == set(spec.topic_groups)


def test_cases_cover_every_channel_and_regime(demo: DemoResult) -> None:
    cases = Case.objects.filter(municipality=demo.municipality)
    assert demo.cases == cases.count() == 300
    assert set(cases.values_list("channel__code", flat=True)) == set(Channel.Code)
    assert set(cases.values_list("regime", flat=True)) == set(Regime)


def test_cases_arrive_within_the_last_year(demo: DemoResult) -> None:
    received = Case.objects.values_list("received_at", flat=True)
    assert min(received) >= NOW - timedelta(days=366)
    assert max(received) <= NOW


def test_every_status_is_reached_through_allowed_transitions(demo: DemoResult) -> None:
    paths: dict[int, list[Status]] = defaultdict(list)
    events = Event.objects.filter(kind=Event.Kind.STATUS_CHANGED).order_by("at", "id")
    for case_id, after in events.values_list("case_id", "after"):
        paths[case_id].append(Status(after["status"]))
    for case in Case.objects.filter(municipality=demo.municipality):
        current = Status.NEW
        for status in paths[case.pk]:
            assert is_allowed(current, status, Regime(case.regime)), case.number
            current = status
        assert current == case.status


def test_cases_are_mostly_settled_with_some_still_open(demo: DemoResult) -> None:
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {Status.CLOSED, Status.ANSWERED, Status.REJECTED, Status.MERGED} <= statuses
    closed = Case.objects.filter(status=Status.CLOSED).count()
    assert closed > 150


def test_merged_cases_point_at_an_earlier_case_about_the_same_topic(demo: DemoResult) -> None:
    merged = Case.objects.filter(municipality=demo.municipality, status=Status.MERGED)
    assert merged.exists()
    for case in merged.select_related("parent"):
        assert case.parent is not None, case.number
        assert (case.parent.topic_id, case.parent.received_at <= case.received_at) == (
            case.topic_id,
            True,
        )


def test_topics_come_from_the_seeded_rubricator(demo: DemoResult) -> None:
    topics = Case.objects.exclude(topic=None).values_list("topic__parent__parent", "topic__im_name")
    assert {grandparent for grandparent, _ in topics} == {None}
    assert all(im_name for _, im_name in topics)


def test_appeals_are_never_anonymous(demo: DemoResult) -> None:
    appeals = Case.objects.filter(regime__in=[Regime.APPEAL, Regime.INFO_REQUEST])
    assert not appeals.filter(author=None).exists()
    assert Case.objects.filter(author=None).exists()


def test_second_run_changes_nothing(demo: DemoResult) -> None:
    counts = (Municipality.objects.count(), Case.objects.count(), User.objects.count())
    again = build_demo(cases=300, seed=7, now=NOW)
    assert (again.created, again.cases) == (False, 300)
    assert (Municipality.objects.count(), Case.objects.count(), User.objects.count()) == counts


def test_reset_rebuilds_the_same_demo(demo: DemoResult) -> None:
    texts = list(Case.objects.order_by("received_at", "id").values_list("text", flat=True))
    users = User.objects.count()
    again = build_demo(cases=300, seed=7, now=NOW, reset=True)
    assert again.created is True
    assert Municipality.objects.filter(name=demo.municipality.name).count() == 1
    assert User.objects.count() == users
    rebuilt = Case.objects.order_by("received_at", "id").values_list("text", flat=True)
    assert list(rebuilt) == texts


def test_taken_logins_stop_the_build_before_anything_is_created() -> None:
    User.objects.create_user(username="curator", password="x")
    with pytest.raises(DemoError, match="curator"):
        build_demo(cases=10, now=NOW)
    assert not Municipality.objects.filter(oktmo="34599000").exists()


def test_command_prints_logins_and_says_when_the_demo_exists() -> None:
    out = StringIO()
    call_command("demo", "--cases", "40", stdout=out, verbosity=0)
    first = out.getvalue()
    assert "обращений: 40" in first
    assert "curator" in first and "zhkh_isp" in first
    assert f"Пароль для всех демо-логинов: {DEMO_PASSWORD}" in first
    out = StringIO()
    call_command("demo", "--cases", "40", stdout=out, verbosity=0)
    assert "уже создан (40 обращений)" in out.getvalue()
    assert Case.objects.count() == 40


def test_a_missing_rubricator_topic_stops_the_build_before_anything_is_created() -> None:
    Topic.objects.filter(parent__name="Благоустройство", name="Ямы во дворах").update(name="Ямы")
    with pytest.raises(DemoError, match="Ямы во дворах"):
        build_demo(cases=10, now=NOW)
    assert not Municipality.objects.filter(oktmo="34599000").exists()


def test_channel_sources_are_configured_but_off_until_secrets_are_given(
    demo: DemoResult,
) -> None:
    sources = Source.objects.filter(municipality=demo.municipality)
    assert sorted(s.channel.code for s in sources) == ["api", "email", "telegram", "vk"]
    assert not any(s.is_active for s in sources)
    for source in sources:
        assert connector_for(source.channel.code) is not None
        assert not any(key in source.config for key in ("password", "token", "secret"))
