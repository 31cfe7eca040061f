"""The problem families of the corpus: what citizens write about, as data.

Each `Family` is one kind of problem (pits in a yard, no heating, …) with its rubricator topic,
the department that usually answers, its season and a few phrasings with slots that
`corpus.compose` fills. A common query («ямы во дворе») matches a few per cent of the cases,
the rare word («борщевик») a few hundredths of one.
"""

from dataclasses import dataclass, field

WINTER = frozenset({11, 12, 1, 2, 3})
HEATING_SEASON = frozenset({10, 11, 12, 1, 2, 3, 4})
SPRING = frozenset({4, 5, 6})
SUMMER = frozenset({5, 6, 7, 8})
ALL_YEAR: frozenset[int] = frozenset()

RARE_WORD = "борщевик"
COMMON_QUERY = "ямы во дворе"


@dataclass(frozen=True)
class Family:
    key: str
    topic: str  # a topic name from catalog/data/rubricator.json, or "" for unclassified
    department: str  # the department key in world.DEPARTMENTS
    weight: float
    problems: tuple[str, ...]
    consequences: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    subject: str = ""
    season: frozenset[int] = field(default=ALL_YEAR)


FAMILIES: tuple[Family, ...] = (
    Family(
        key="pits_yard",
        topic="Ямы во дворах",
        department="landscaping",
        weight=7,
        season=SPRING,
        subject="ямы во дворе",
        problems=(
            "Во дворе дома {house} по {street} {adj_pl} ямы",
            "У подъезда №{entrance} дома {house} по {street} {adj_sg} яма, её никто не ремонтирует",
            "Въезд во двор дома по адресу {addr} весь в ямах",
            "Асфальт во дворе по адресу {addr} разрушен, сплошные ямы и выбоины",
            "После раскопок во дворе дома {house} по {street} остались ямы",
        ),
        consequences=(
            "Машины не могут проехать.",
            "Пожилым людям невозможно пройти.",
            "Дети падают и разбивают колени.",
            "В дождь ямы заполняются водой.",
            "Скорая помощь не может подъехать к подъезду.",
        ),
        answers=(
            "Ямочный ремонт дворового проезда по адресу {addr} выполнен.",
            "Ремонт двора по адресу {addr} включён в программу благоустройства на следующий год.",
        ),
    ),
    Family(
        key="pits_road",
        topic="Ямы и выбоины на дороге",
        department="roads",
        weight=6,
        season=SPRING,
        subject="ямы на дороге",
        problems=(
            "На проезжей части {street} в районе дома {house} {adj_pl} ямы",
            "На дороге по {street} образовались выбоины",
            "На перекрёстке {street} и {street2} разбит асфальт, {adj_pl} ямы",
        ),
        consequences=(
            "Автомобили повреждают колёса и подвеску.",
            "Водители объезжают ямы по встречной полосе.",
            "Автобусы еле проезжают.",
        ),
        answers=("Подрядчику выдано задание, ямочный ремонт на {street} выполнен.",),
    ),
    Family(
        key="heating",
        topic="Ненадлежащее качество или отсутствие отопления",
        department="housing",
        weight=9,
        season=HEATING_SEASON,
        subject="нет отопления",
        problems=(
            "В квартире {flat} дома {house} по {street} нет отопления",
            "Батареи в доме по адресу {addr} еле тёплые",
            "В доме {house} по {street} холодные батареи {since}",
            "Не включили отопление в доме по адресу {addr}",
        ),
        consequences=(
            "В квартире {temp} градусов.",
            "Дети болеют.",
            "Управляющая компания не отвечает на звонки.",
        ),
        answers=(
            "Управляющей компании выдано предписание, теплоснабжение дома восстановлено.",
            "Проведена регулировка системы отопления, температура в квартирах в норме.",
        ),
    ),
    Family(
        key="hot_water",
        topic="Отсутствие горячей воды",
        department="housing",
        weight=5,
        season=SUMMER,
        subject="нет горячей воды",
        problems=(
            "В доме {house} по {street} нет горячей воды {since}",
            "По адресу {addr} из крана идёт только холодная вода",
            "Отключили горячую воду в доме {house} по {street} без предупреждения",
        ),
        consequences=("Невозможно помыть ребёнка.", "Сроки отключения нигде не объявлены."),
        answers=("Горячее водоснабжение восстановлено после гидравлических испытаний.",),
    ),
    Family(
        key="roof",
        topic="Протечки с кровли и проблемы с водостоком МКД",
        department="housing",
        weight=4,
        problems=(
            "Протекает крыша над квартирой {flat} в доме по адресу {addr}",
            "После дождя в подъезде №{entrance} дома {house} по {street} течёт с потолка",
            "Сломан водосток на доме {house} по {street}",
        ),
        consequences=("Намокла проводка.", "На потолке появилась плесень."),
        answers=("Управляющая компания выполнила локальный ремонт кровли.",),
    ),
    Family(
        key="garbage",
        topic="Уборка/Вывоз мусора",
        department="waste",
        weight=8,
        subject="не вывозят мусор",
        problems=(
            "Не вывозят мусор с контейнерной площадки у дома {house} по {street}",
            "Контейнеры переполнены во дворе дома по адресу {addr}",
            "Возле дома {house} по {street} стихийная свалка",
            "С площадки у дома по адресу {addr} мусор не вывозят {since}",
        ),
        consequences=(
            "Вокруг бегают крысы.",
            "Стоит неприятный запах.",
            "Ветер разносит мусор по двору.",
        ),
        answers=("Региональный оператор вывез мусор, график вывоза восстановлен.",),
    ),
    Family(
        key="snow_yard",
        topic="Уборка дворовых и придомовых территорий от снега и наледи",
        department="landscaping",
        weight=7,
        season=WINTER,
        subject="не убран снег во дворе",
        problems=(
            "Во дворе дома {house} по {street} не убран снег",
            "Не расчищен двор дома по адресу {addr}",
            "Во дворе по адресу {addr} сплошная наледь, тротуар не посыпан",
        ),
        consequences=(
            "Люди падают и получают травмы.",
            "Машины буксуют.",
            "Невозможно пройти с коляской.",
        ),
        answers=("Двор по адресу {addr} очищен от снега, наледь обработана.",),
    ),
    Family(
        key="snow_road",
        topic="Уборка дорог от снега и наледи",
        department="roads",
        weight=4,
        season=WINTER,
        problems=(
            "Не убирают снег на {street}",
            "На тротуаре вдоль {street} огромные сугробы",
            "Дорогу на {street} не чистили {since}",
        ),
        consequences=("Пешеходы идут по проезжей части.", "Автобусы застревают."),
        answers=("Уборка {street} выполнена, участок взят на контроль.",),
    ),
    Family(
        key="lighting",
        topic="Неисправные фонари освещения",
        department="landscaping",
        weight=4,
        problems=(
            "Не горит фонарь во дворе дома {house} по {street}",
            "На {street} {since} не работает уличное освещение",
            "Возле подъезда №{entrance} дома по адресу {addr} темно, нет освещения",
        ),
        consequences=("Вечером страшно идти домой.", "Дети возвращаются из школы в темноте."),
        answers=("Светильник заменён, освещение восстановлено.",),
    ),
    Family(
        key="playground",
        topic="Ненадлежащее состояние игровых элементов на детской или спортивной площадке",
        department="landscaping",
        weight=3,
        season=SUMMER,
        problems=(
            "На детской площадке во дворе дома {house} по {street} сломаны качели",
            "Горка на площадке по адресу {addr} в аварийном состоянии",
            "Во дворе дома {house} по {street} нужна новая детская площадка",
        ),
        consequences=("Дети могут пострадать.",),
    ),
    Family(
        key="trees",
        topic="Вырубка, опиловка и спил деревьев (в т.ч. кустарников)",
        department="ecology",
        weight=3,
        problems=(
            "Во дворе дома {house} по {street} {tree} дерево угрожает упасть на машины",
            "Просим спилить сухие деревья у дома по адресу {addr}",
            "Незаконно вырубают деревья возле дома {house} по {street}",
        ),
        answers=("Обследование проведено, аварийное дерево включено в план спила.",),
    ),
    Family(
        key="animals",
        topic="Некорректное обращение с животными (в т.ч. дикими)",
        department="safety",
        weight=3,
        problems=(
            "Во дворе дома {house} по {street} стая бездомных собак",
            "Бездомные собаки нападают на прохожих у дома по адресу {addr}",
            "Соседи выгуливают собак без намордника на детской площадке по адресу {addr}",
        ),
        consequences=("Дети боятся выходить на улицу.",),
        answers=("Заявка передана подрядчику по отлову животных без владельцев.",),
    ),
    Family(
        key="transport",
        topic="График движения общественного транспорта",
        department="transport",
        weight=5,
        subject="работа общественного транспорта",
        problems=(
            "Автобус №{route} не ходит по расписанию",
            "Утром на остановке «{stop}» автобус №{route} приходит переполненным",
            "Отменили маршрут №{route}, до остановки «{stop}» не добраться",
            "Водитель автобуса №{route} проезжает остановку «{stop}» без остановки",
        ),
        consequences=("Люди опаздывают на работу.", "Ждать приходится больше часа."),
        answers=("Перевозчику направлено требование соблюдать расписание маршрута.",),
    ),
    Family(
        key="kindergarten",
        topic="Строительство школ, детских садов",
        department="education",
        weight=3,
        subject="место в детском саду",
        problems=(
            "Прошу предоставить место в детском саду №{kg} для ребёнка",
            "Очередь в детский сад {since} не движется",
            "Нет мест в детском саду рядом с домом по адресу {addr}",
        ),
        answers=("Ребёнок стоит в очереди, место будет предоставлено при комплектовании.",),
    ),
    Family(
        key="parking",
        topic="Парковка на газонах",
        department="landscaping",
        weight=3,
        problems=(
            "Автомобили паркуются на газоне у дома {house} по {street}",
            "Двор дома по адресу {addr} заставлен машинами, мусоровоз не может проехать",
        ),
        answers=("Материалы направлены в административную комиссию.",),
    ),
    Family(
        key="electricity",
        topic="Отсутствие электричества",
        department="housing",
        weight=2,
        problems=(
            "В доме {house} по {street} нет электричества {since}",
            "Постоянно отключают свет по адресу {addr}",
        ),
        consequences=("Испортились продукты в холодильнике.",),
    ),
    Family(
        key="hogweed",
        topic="Борщевик Сосновского",
        department="ecology",
        weight=0.02,
        season=SUMMER,
        problems=(
            "На пустыре у дома {house} по {street} разросся борщевик",
            "Вдоль {street} растёт борщевик Сосновского, дети могут обжечься",
        ),
        answers=("Участок обработан гербицидом, борщевик скошен.",),
    ),
    Family(
        key="other",
        topic="",
        department="",
        weight=5,
        problems=(
            "Прошу разъяснить порядок получения справки о составе семьи",
            "Хочу записаться на приём к главе округа",
            "Благодарю работников за оперативную помощь",
            "Прошу сообщить, когда будет проведено собрание жителей по адресу {addr}",
            "Прошу проверить работу управляющей компании дома {house} по {street}",
        ),
    ),
)
