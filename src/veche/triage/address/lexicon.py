"""Words that name kinds of places: street types, settlement types, landmark nouns.

Each street type is (canonical name, grammatical gender, pattern of its full word forms,
pattern of its abbreviations). Full words need a capitalised name next to them («на улице было
темно» names no street); after an abbreviation a lowercase name is accepted («пр. большевиков»).
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class StreetType:
    name: str
    gender: str
    words: str  # regex of the full word in any case form
    abbreviations: str = ""  # regex of the abbreviations, dot included where required


STREET_TYPES: tuple[StreetType, ...] = (
    StreetType("улица", "femn", r"улиц(?:а|ы|е|у|ей|ею|ах|ам)?", r"ул\.|ул(?=\s)"),
    StreetType(
        "проспект", "masc", r"проспект(?:а|у|е|ом|ы|ах)?", r"пр-к?т\.?|просп\.|пр\.|пр(?=\s)"
    ),
    StreetType("переулок", "masc", r"переул(?:ок|ка|ку|ке|ком|ки|ков)", r"пер\.|пер-к|пер(?=\s)"),
    StreetType("шоссе", "neut", r"шоссе", r"ш\.|ш(?=\s)"),
    StreetType("бульвар", "masc", r"бульвар(?:а|у|е|ом)?", r"б-р|бульв\.|бул\."),
    StreetType("набережная", "femn", r"набережн(?:ая|ой|ую|ые)", r"наб\.|наб(?=\s)"),
    StreetType("площадь", "femn", r"площад(?:ь|и|ью)", r"пл\."),
    StreetType("проезд", "masc", r"проезд(?:а|у|е|ом)?", r"пр-д\.?|пр-зд\.?"),
    StreetType("микрорайон", "masc", r"микрорайон(?:а|у|е|ом)?", r"мкрн?\.|мкрн?(?=\s)|мк-н"),
    StreetType("тупик", "masc", r"тупик(?:а|у|е|ом)?", r"туп\."),
    StreetType("аллея", "femn", r"алле(?:я|и|ю|е|ей)", r"ал\."),
    StreetType("линия", "femn", r"лини(?:я|и|ю|ей)", r"лин\."),
    StreetType("дорога", "femn", r"дорог(?:а|и|е|у|ой)", r"дор\."),
    StreetType("канал", "masc", r"канал(?:а|у|е|ом)?", r"кан\."),
    StreetType("тракт", "masc", r"тракт(?:а|у|е|ом)?"),
    StreetType("квартал", "masc", r"квартал(?:а|у|е|ом)?"),
)
STREET_TYPE_BY_NAME = {t.name: t for t in STREET_TYPES}

# «Средний пр. В.О.», «15-я линия ВО», «Малый проспект П.С.»: districts of St Petersburg.
QUALIFIER = re.compile(
    r"\s*,?\s*(?:В\.\s?О\.?|ВО\b|П\.\s?С\.?|ПС\b|Васильевского\s+острова|Петроградской\s+стороны)"
)


@dataclass(frozen=True)
class SettlementType:
    abbreviation: str  # «д.»: how it is written in an address
    gender: str
    words: str
    abbreviations: str = ""


SETTLEMENT_TYPES: tuple[SettlementType, ...] = (
    SettlementType("г.", "masc", r"город(?:а|у|е|ом)?", r"г\.|гор\."),
    SettlementType("д.", "femn", r"деревн(?:я|и|е|ю|ей)", r"д\.|дер\."),
    SettlementType("с.", "neut", r"сел(?:о|а|е|у|ом)", r"с\."),
    SettlementType("п.", "masc", r"пос[её]л(?:ок|ка|ке|ку|ком)", r"пос\.|п\."),
    SettlementType("пгт", "masc", r"пгт|рабочий\s+пос[её]лок", r"пгт\.|р\.\s?п\."),
    SettlementType("СНТ", "neut", r"(?-i:СНТ|ДНТ|ТСН)|садоводств(?:о|а|е|у|ом)", ""),
    SettlementType("х.", "masc", r"хутор(?:а|у|е|ом)?", r"х\."),
    SettlementType("ст-ца", "femn", r"станиц(?:а|ы|е|у|ей)", r"ст-ца"),
)

# Landmarks: canonical nominative of the head noun and the pattern of its forms. Multi-word
# heads («детский сад», «Дом культуры») are listed whole, the adjectives before a head are
# taken by the extractor («у старого кладбища»).
LANDMARK_HEADS: tuple[tuple[str, str], ...] = (
    (
        "детский сад",
        r"детск(?:ий|ого|ому|им|ом)\s+сад(?:а|у|е|ом|ик|ика|ике)?|д/с|детсад(?:а|у|е)?",
    ),
    ("Дом культуры", r"дом(?:а|у|е|ом)?\s+культуры|(?-i:ДК)"),
    ("торговый центр", r"торгов(?:ый|ого|ом|ому)\s+центр(?:а|у|е|ом)?|(?-i:ТЦ|ТРЦ|ТК)"),
    ("станция метро", r"станци(?:я|и|ю|ей)\s+метро|ст\.\s?м\.|метро"),
    ("школа", r"школ(?:а|ы|е|у|ой)|(?-i:СОШ)|гимнази(?:я|и|ю|ей)|лице(?:й|я|ю|е|ем)"),
    ("садик", r"садик(?:а|у|е|ом)?"),
    ("больница", r"больниц(?:а|ы|е|у|ей)|(?-i:ЦРБ|ЦГБ)"),
    ("поликлиника", r"поликлиник(?:а|и|е|у|ой)|амбулатори(?:я|и|ю|ей)|(?-i:ФАП)(?:а|е|у|ом)?"),
    ("остановка", r"остановк(?:а|и|е|у|ой)"),
    ("вокзал", r"вокзал(?:а|у|е|ом)?|автостанци(?:я|и|ю|ей)|автовокзал(?:а|у|е|ом)?"),
    ("магазин", r"магазин(?:а|у|е|ом)?|супермаркет(?:а|у|е|ом)?"),
    ("рынок", r"рын(?:ок|ка|ку|ке|ком)"),
    ("парк", r"парк(?:а|у|е|ом)?"),
    ("сквер", r"сквер(?:а|у|е|ом)?"),
    ("стадион", r"стадион(?:а|у|е|ом)?"),
    ("клуб", r"клуб(?:а|у|е|ом)?"),
    ("библиотека", r"библиотек(?:а|и|е|у|ой)"),
    ("церковь", r"церк(?:овь|ви|овью)|храм(?:а|у|е|ом)?"),
    ("кладбище", r"кладбищ(?:е|а|у|ем)"),
    ("почта", r"почт(?:а|ы|е|у|ой)"),
    ("администрация", r"администраци(?:я|и|ю|ей)"),
    ("памятник", r"памятник(?:а|у|е|ом)?|мемориал(?:а|у|е|ом)?"),
    ("мост", r"мост(?:а|у|е|ом)?"),
    ("набережная", r"набережн(?:ая|ой|ую)"),
    ("площадь", r"площад(?:ь|и|ью)"),
    ("пруд", r"пруд(?:а|у|е|ом)?"),
    ("спортплощадка", r"спортплощадк(?:а|и|е|у|ой)|спортивн(?:ая|ой|ую)\s+площадк(?:а|и|е|у|ой)"),
    ("хоккейная коробка", r"хоккейн(?:ая|ой|ую)\s+коробк(?:а|и|е|у|ой)"),
    ("лыжная база", r"лыжн(?:ая|ой|ую)\s+баз(?:а|ы|е|у|ой)"),
)

# Words that end a name: house markers, prepositions, parts of a building.
_STOP_WORDS_TEXT = """
    д дом дома доме домом домов домах к корп корпус корпуса стр строение лит литер литера кв
    квартира квартиры подъезд подъезда подъезде парадная парадной парадную этаж этаже и или
    в во на у к по от до из за с со около возле напротив рядом между перед после при для о
    об а но что как где это этот эта этой тот там тут уже не нет же ли бы город г уч участок
    район р-н мкр около вдоль через без про
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
