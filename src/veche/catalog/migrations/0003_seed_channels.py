"""Every deployment has the same channels (GLOSSARY.md, «Канал»); they can be switched off."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CHANNELS = [
    ("pos", "ПОС (Госуслуги)"),
    ("im", "Инцидент Менеджмент"),
    ("email", "Электронная почта"),
    ("telegram", "Telegram"),
    ("vk", "ВКонтакте"),
    ("ok", "Одноклассники"),
    ("web_form", "Форма на сайте"),
    ("phone", "Телефон"),
    ("reception", "Личный приём"),
    ("letter", "Письмо"),
    ("api", "API"),
    ("open311", "Open311"),
]


def seed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Channel = apps.get_model("catalog", "Channel")
    for code, name in CHANNELS:
        Channel.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_topic_parents_and_blocks")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
