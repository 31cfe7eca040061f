"""The demo administration: three blocks, their departments, and the bodies outside them."""

from dataclasses import dataclass

from veche.org.models import Department

K = Department.Kind


@dataclass(frozen=True)
class DepartmentSpec:
    key: str  # internal key, also the login of the department's head
    name: str
    short_name: str
    kind: Department.Kind = K.UNIT
    staffed: bool = False  # gets a head and an executor in the demo


@dataclass(frozen=True)
class BlockSpec:
    key: str
    name: str
    head: str  # login of the deputy head leading the block
    topic_groups: tuple[str, ...]  # rubricator groups the block answers for
    departments: tuple[DepartmentSpec, ...]


CITY_BLOCK = "Дороги, транспорт, ЖКХ, благоустройство, ТКО, строительство, архитектура"

BLOCKS: tuple[BlockSpec, ...] = (
    BlockSpec(
        "city",
        CITY_BLOCK,
        "gorhoz",
        (
            "Дороги", "ЖКХ", "Благоустройство", "Мусор/Свалки/ТКО", "Общественный транспорт",
            "Строительство и архитектура", "Газ и топливо", "Электроснабжение",
            "Погребение и похоронное дело",
        ),
        (
            DepartmentSpec("zhkh", "Комитет жилищно-коммунального хозяйства", "Комитет ЖКХ",
                           staffed=True),
            DepartmentSpec("dorogi", "Комитет по дорожному хозяйству и транспорту",
                           "Комитет по дорогам и транспорту", staffed=True),
            DepartmentSpec("arch", "Комитет архитектуры и градостроительства",
                           "Комитет архитектуры", staffed=True),
            DepartmentSpec("ugh", "Управление городского хозяйства", "УГХ", staffed=True),
        ),
    ),
    BlockSpec(
        "social",
        "Социальная политика",
        "social",
        (
            "Образование", "Культура", "Физическая культура и спорт",
            "Социальное обслуживание и защита", "Здравоохранение/Медицина",
            "Памятники и объекты культурного наследия", "Мобилизация",
        ),
        (
            DepartmentSpec("kultura", "Управление культуры и спорта", "Управление культуры",
                           staffed=True),
            DepartmentSpec("obr", "Управление образования", "Управление образования",
                           staffed=True),
            DepartmentSpec("zags", "Отдел ЗАГС", "ЗАГС"),
            DepartmentSpec("kdn", "Комиссия по делам несовершеннолетних и защите их прав", "КДН"),
            DepartmentSpec("szn", "Управление социальной защиты населения", "УСЗН",
                           staffed=True),
            DepartmentSpec("molodezh", "Отдел по делам молодёжи", "Отдел молодёжи"),
        ),
    ),
    BlockSpec(
        "economy",
        "Экономика, сельское хозяйство и торговля",
        "economy",
        ("Экономика и бизнес", "Торговля", "Государственная собственность"),
        (
            DepartmentSpec("econ", "Отдел экономического развития и инвестиций",
                           "Отдел экономики"),
            DepartmentSpec("selhoz", "Отдел сельского хозяйства", "Отдел сельского хозяйства"),
            DepartmentSpec("torg", "Отдел потребительского рынка и предпринимательства",
                           "Отдел потребрынка", staffed=True),
            DepartmentSpec("kumi", "Комитет по управлению муниципальным имуществом и "
                           "земельными отношениями", "КУМИ"),
        ),
    ),
)  # fmt: skip

OUTSIDE_BLOCKS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("mcu", "Муниципальный центр управления", "МЦУ", K.CENTRE),
    DepartmentSpec("legal", "Правовое управление", "Правовое управление"),
    DepartmentSpec("gochs", "Отдел по делам ГО и ЧС", "Отдел ГО и ЧС"),
    DepartmentSpec("edds", "МКУ «Единая дежурно-диспетчерская служба»", "ЕДДС", K.INSTITUTION),
    DepartmentSpec("crb", "ГБУЗ «Краснолесская центральная районная больница»", "ЦРБ",
                   K.EXTERNAL),
    DepartmentSpec("tko", "Региональный оператор по обращению с ТКО ООО «ЭкоЛес»",
                   "Регоператор ТКО", K.EXTERNAL),
    DepartmentSpec("seti", "АО «Краснолесские электрические сети»", "Электросети", K.EXTERNAL),
    DepartmentSpec("vodokanal", "МУП «Краснолесский водоканал»", "Водоканал", K.INSTITUTION),
)  # fmt: skip

TERRITORIAL_SUFFIX = "территориальный отдел"

# Bodies outside the municipality that 59-ФЗ appeals are redirected to (ст. 8 ч. 3).
REDIRECT_BODIES = {
    "health": "Министерство здравоохранения области",
    "police": "МО МВД России «Краснолесский»",
    "housing": "Государственная жилищная инспекция области",
    "roads": "ГКУ «Дорожное агентство области»",
    "sanitary": "Территориальный отдел Управления Роспотребнадзора по области",
    "social": "Отделение Социального фонда России по области",
    "nature": "Министерство природных ресурсов и экологии области",
    "region": "Администрация Губернатора области",
}
# Where an appeal goes when its problem names no body: by rubricator group.
REDIRECT_BY_GROUP = {
    "ЖКХ": "housing",
    "Дороги": "roads",
    "Безопасность": "police",
    "Здравоохранение/Медицина": "health",
    "Социальное обслуживание и защита": "social",
    "Мусор/Свалки/ТКО": "nature",
}
