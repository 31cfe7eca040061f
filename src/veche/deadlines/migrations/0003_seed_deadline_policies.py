"""The installation's deadline policies, from DOMAIN.md §0, §1.1, §2.2, §3 and §8 items 2–3.

Valid from 2000 so that imported histories get clocks too. A municipality changes them by
adding its own rows in the admin (a later `valid_from`, or a channel or topic), never by
editing these: clocks keep the row they started under."""

from datetime import UTC, datetime

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SEED_FROM = datetime(2000, 1, 1, tzinfo=UTC)

# regime, kind, amount, unit, counted from, max extension, pauses while waiting, source
POLICIES = [
    ("appeal", "registration", 3, "calendar_days", "received", 0, False,
     "59-ФЗ ст. 8 ч. 2: регистрация в течение трёх дней с момента поступления"),
    ("appeal", "redirect", 7, "calendar_days", "registered", 0, False,
     "59-ФЗ ст. 8 ч. 3: направление по компетенции в течение семи дней со дня регистрации "
     "с уведомлением заявителя"),
    ("appeal", "answer", 30, "calendar_days", "registered", 30, False,
     "59-ФЗ ст. 12 ч. 1: 30 дней со дня регистрации; продление не более чем на 30 дней "
     "с уведомлением заявителя — ст. 12 ч. 2"),
    ("info_request", "registration", 3, "calendar_days", "received", 0, False,
     "8-ФЗ ст. 18 ч. 5: регистрация письменного запроса в течение трёх дней (по тексту "
     "закона, в DOMAIN.md не сверено)"),
    ("info_request", "redirect", 7, "calendar_days", "registered", 0, False,
     "8-ФЗ ст. 18 ч. 4: направление по принадлежности в течение семи дней со дня "
     "регистрации (по тексту закона, в DOMAIN.md не сверено)"),
    ("info_request", "answer", 30, "calendar_days", "registered", 15, False,
     "8-ФЗ ст. 18 ч. 6: 30 дней со дня регистрации; отсрочка не более 15 дней, уведомление "
     "в течение 7 дней"),
    ("message", "registration", 1, "working_days", "received", 0, True,
     "ПОС, ПП РФ № 1802 и региональный регламент: модерация в течение 1 рабочего дня — "
     "НЕ ПОДТВЕРЖДЕНО (DOMAIN.md §2.2), сверьте с регламентом своего региона"),
    ("message", "answer", 10, "working_days", "registered", 0, True,
     "ПОС, ПП РФ № 1802 и региональный регламент: ответ за 10 рабочих дней — "
     "НЕ ПОДТВЕРЖДЕНО (DOMAIN.md §2.2), сверьте с регламентом своего региона"),
    ("incident", "first_reaction", 8, "hours", "received", 0, True,
     "Инцидент Менеджмент: первый ответ за 8 часов — стандарт рейтинга ЦУР (DOMAIN.md §3); "
     "региональные акты: от 4 часов до 24 часов"),
    ("incident", "answer", 7, "working_days", "first_reaction", 0, True,
     "Инцидент Менеджмент: окончательный ответ после промежуточного до 7 рабочих дней "
     "(Севастополь, Крым; DOMAIN.md §3)"),
]  # fmt: skip


def seed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    policy = apps.get_model("deadlines", "DeadlinePolicy")
    for regime, kind, amount, unit, counted_from, extension, pauses, source in POLICIES:
        policy.objects.get_or_create(
            municipality=None,
            regime=regime,
            channel=None,
            topic=None,
            kind=kind,
            valid_from=SEED_FROM,
            defaults={
                "amount": amount,
                "unit": unit,
                "counted_from": counted_from,
                "max_extension": extension,
                "pauses_while_waiting": pauses,
                "source": source,
            },
        )


def unseed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    policy = apps.get_model("deadlines", "DeadlinePolicy")
    seeded = policy.objects.filter(municipality=None, valid_from=SEED_FROM, clocks=None)
    seeded.filter(channel=None, topic=None).delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0002_deadline_policies_and_clocks")]

    operations = [migrations.RunPython(seed, unseed)]
