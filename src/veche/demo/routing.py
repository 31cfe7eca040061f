"""The demo's routing rules: what a real МЦУ writes down in its first weeks.

Emergencies first (gas goes to the ЕДДС whatever the topic), then outside bodies, then words
of the common problems, whole topic groups, and finally the villages' own upkeep, which their
territorial departments answer. The last rule is switched off, to show that one can be.
"""

from dataclasses import dataclass

from veche.catalog.models import Channel, RoutingRule, Topic
from veche.catalog.services import RuleData, create_routing_rule
from veche.demo import orgchart
from veche.demo.structure import Structure
from veche.org.models import Territory


@dataclass(frozen=True)
class RuleSpec:
    name: str
    department: str  # orgchart key, or a territorial unit's username
    keywords: str = ""
    group: str = ""  # a rubricator group
    topic: tuple[str, str] | None = None  # (group, topic)
    unit: str = ""  # a territorial unit's name («Берёзовский»)
    channel: str = ""  # a Channel.Code
    is_active: bool = True


UPKEEP = "Благоустройство"

RULES: tuple[RuleSpec, ...] = (
    RuleSpec("Запах газа — сразу в ЕДДС", "edds", keywords="запах газа, пахнет газом, утечка газа"),
    RuleSpec("Электроснабжение — сетевой компании", "seti", group="Электроснабжение"),
    RuleSpec("Вывоз мусора — регоператору", "tko",
             topic=("Мусор/Свалки/ТКО", "Уборка/Вывоз мусора")),
    RuleSpec("Контейнеры и мусоровозы", "tko",
             keywords="контейнер, мусоровоз, контейнерная площадка"),
    RuleSpec("Водопровод и канализация", "vodokanal",
             keywords="водопровод, канализация, канализационный люк, прорыв трубы"),
    RuleSpec("Отопление и горячая вода", "zhkh",
             keywords="отопление, батареи, котельная, горячая вода"),
    RuleSpec("Ямы и асфальт", "dorogi", keywords="яма, выбоина, асфальт, колея, ямочный ремонт"),
    RuleSpec("Общественный транспорт", "dorogi", group="Общественный транспорт"),
    RuleSpec("Школы и детские сады", "obr", group="Образование"),
    RuleSpec("Медицина — в ЦРБ", "crb", group="Здравоохранение/Медицина"),
    RuleSpec("Благоустройство Берёзовского ТО", "berezovka", group=UPKEEP, unit="Берёзовский"),
    RuleSpec("Благоустройство Сосновского ТО", "sosnovy", group=UPKEEP, unit="Сосновский"),
    RuleSpec("Благоустройство Заречного ТО", "zarechny", group=UPKEEP, unit="Заречный"),
    RuleSpec("Благоустройство Покровского ТО", "pokrovskoe", group=UPKEEP, unit="Покровский"),
    RuleSpec("Личный приём — куратору МЦУ", "mcu", channel=Channel.Code.RECEPTION,
             is_active=False),
)  # fmt: skip


def create_routing_rules(structure: Structure) -> list[RoutingRule]:
    return [
        create_routing_rule(structure.municipality, _data(structure, spec), by=None)
        for spec in RULES
    ]


def _data(structure: Structure, spec: RuleSpec) -> RuleData:
    topic = None
    if spec.group:
        topic = Topic.objects.get(parent=None, name=spec.group)
    elif spec.topic:
        topic = Topic.objects.get(parent__name=spec.topic[0], name=spec.topic[1])
    territory = None
    if spec.unit:
        territory = Territory.objects.get(
            municipality=structure.municipality,
            kind=Territory.Kind.UNIT,
            name=f"{spec.unit} {orgchart.TERRITORIAL_SUFFIX}",
        )
    return RuleData(
        department=structure.departments[spec.department],
        name=spec.name,
        topic=topic,
        territory=territory,
        channel=Channel.objects.get(code=spec.channel) if spec.channel else None,
        keywords=spec.keywords,
        is_active=spec.is_active,
    )
