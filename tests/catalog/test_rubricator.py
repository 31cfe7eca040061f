"""The shipped rubricator: loaded by migration catalog 0004, re-runnable without duplicates."""

from collections import Counter

import pytest

from veche.catalog.models import Topic
from veche.catalog.seed import load_rubricator, seed_rubricator

pytestmark = pytest.mark.django_db

PERM_GROUPS = {
    "Безопасность", "Благоустройство", "Газ и топливо", "Государственная собственность",
    "Дороги", "ЖКХ", "Здравоохранение/Медицина", "Коронавирус", "Культура",
    'МФЦ "Мои документы"', "Мобилизация", "Мусор/Свалки/ТКО", "Образование",
    "Общественный транспорт", "Памятники и объекты культурного наследия",
    "Погребение и похоронное дело", "Роспотребнадзор", "Связь и телевидение",
    "Социальное обслуживание и защита", "Спецпроекты", "Строительство и архитектура",
    "Торговля", "Физическая культура и спорт", "Экология", "Экономика и бизнес",
    "Электроснабжение",
}  # fmt: skip
# GLOSSARY.md: здравоохранение, ЖКХ, ТКО, энергетика, образование, дороги, транспорт, соцзащита.
SIGNIFICANT = {
    "Здравоохранение/Медицина", "Коронавирус", "ЖКХ", "Мусор/Свалки/ТКО", "Газ и топливо",
    "Электроснабжение", "Образование", "Дороги", "Общественный транспорт",
    "Социальное обслуживание и защита",
}  # fmt: skip


def _seeded() -> list[Topic]:
    names = {spec["name"] for spec in load_rubricator()}
    return list(Topic.objects.filter(name__in=names, parent=None))


def test_migration_loads_every_group_and_topic() -> None:
    spec = load_rubricator()
    groups = Topic.objects.filter(parent=None, name__in=[g["name"] for g in spec])
    assert groups.count() == len(spec) == 27
    assert {g.name for g in groups} == PERM_GROUPS | {"Прочее"}
    topics = Topic.objects.filter(parent__in=groups)
    assert topics.count() == sum(len(g["topics"]) for g in spec) == 512


def test_every_topic_has_exactly_one_group_and_no_deeper_level() -> None:
    groups = _seeded()
    topics = Topic.objects.filter(parent__in=groups)
    assert not Topic.objects.filter(parent__in=topics).exists()
    names = Counter(topics.values_list("name", flat=True))
    assert [n for n, count in names.items() if count > 1] == []


def test_severities_are_between_one_and_five() -> None:
    severities = set(Topic.objects.filter(parent__in=_seeded()).values_list("severity", flat=True))
    assert severities == {1, 2, 3, 4, 5}


def test_starred_perm_topics_are_at_least_severity_three() -> None:
    starred = Topic.objects.filter(parent__in=_seeded(), im_name__startswith="★")
    assert starred.count() > 20
    assert not starred.filter(severity__lt=3).exists()
    assert not Topic.objects.filter(name__contains="★").exists()


def test_socially_significant_groups_follow_the_glossary() -> None:
    groups = _seeded()
    assert {g.name for g in groups if g.socially_significant} == SIGNIFICANT
    pits = Topic.objects.get(parent__name="Дороги", name="Ямы и выбоины на дороге")
    assert pits.socially_significant is True
    heating = Topic.objects.get(
        parent__name="ЖКХ", name="Начало или завершение отопительного сезона"
    )
    assert (heating.socially_significant, heating.severity) == (True, 4)


def test_totk_codes_are_section_level_only() -> None:
    codes = set(Topic.objects.exclude(totk_code="").values_list("totk_code", flat=True))
    assert codes <= {f"000{n}.0000.0000.0000" for n in range(1, 6)}
    assert Topic.objects.get(parent=None, name="ЖКХ").totk_code == "0005.0000.0000.0000"
    assert not Topic.objects.filter(parent__isnull=False).exclude(totk_code="").exists()


def test_running_the_seed_again_creates_nothing() -> None:
    before = Topic.objects.count()
    result = seed_rubricator(Topic)
    assert result.created == 0
    assert result.updated == 539
    assert Topic.objects.count() == before


def test_seed_restores_an_edited_topic_in_place() -> None:
    topic = Topic.objects.get(parent__name="ЖКХ", name="Плохое качество воды")
    Topic.objects.filter(pk=topic.pk).update(severity=1, im_name="")
    seed_rubricator(Topic)
    topic.refresh_from_db()
    assert (topic.severity, topic.im_name) == (4, "Плохое качество воды")
