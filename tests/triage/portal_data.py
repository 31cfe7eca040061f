"""A tiny portal export for training tests: synthetic Russian sentences, never real messages.

Four (category, reason) pairs that data/spb_to_topics.json maps onto three Veche topics, each
with a few phrasings varied by street and house, dated over one year so the time split has an
earlier and a later part.
"""

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from veche.triage.topics import TopicPath

PITS = ("Благоустройство", "Повреждения дорожного покрытия проезжей части")
ICE = ("Кровля", "Наличие наледи на крыше")
COLD = ("Центральное отопление", "Низкая температура на лестничной площадке")
STAIRS = ("Содержание МКД", "Отсутствие или несоблюдение графика уборки подъезда")
PITS_TOPIC = TopicPath("Дороги", "Ямы и выбоины на дороге")

PHRASES = {
    PITS: [
        "На проезжей части улицы {street} у дома {house} глубокая яма, асфальт разбит",
        "Выбоина на дороге по улице {street}, возле дома {house} машины бьют колёса",
        "Разрушено дорожное покрытие на {street}, напротив дома {house} ямы в асфальте",
    ],
    ICE: [
        "На крыше дома {house} по улице {street} висят сосульки и наледь над входом",
        "С кровли дома {house} на {street} свисает лёд, опасно ходить под крышей",
        "Наледь на крыше дома {house}, улица {street}, никто не убирает сосульки",
    ],
    COLD: [
        "В подъезде дома {house} на {street} холодно, батареи на лестнице ледяные",
        "Низкая температура на лестничной площадке дома {house} по улице {street}",
        "На лестнице дома {house}, улица {street}, не греют радиаторы отопления",
    ],
    STAIRS: [
        "Подъезд дома {house} на {street} не убирают уже месяц, грязные ступени",
        "Уборщица не моет лестницу в доме {house} по улице {street}, мусор на этажах",
        "Нет уборки подъезда в доме {house}, улица {street}, грязь и пыль на площадках",
    ],
}
STREETS = ("Ленина", "Садовая", "Лесная", "Школьная", "Заречная")


def portal_rows(per_pair: int = 20) -> list[dict[str, object]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows: list[dict[str, object]] = []
    for n in range(per_pair):
        for pair, phrases in PHRASES.items():
            text = phrases[n % len(phrases)].format(street=STREETS[n % len(STREETS)], house=n + 1)
            at = start + timedelta(days=len(rows) * 2)
            rows.append(
                {
                    "text": text,
                    "category": pair[0],
                    "reason": pair[1],
                    "petitions": [{"dt": at.isoformat()}],
                    "statuses": [],
                }
            )
    return rows


def write_portal_data(path: Path, per_pair: int = 20) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for row in portal_rows(per_pair):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
