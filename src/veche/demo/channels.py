"""The demo's channel sources: configured the way a real МЦУ would, switched off until an
administrator enters real addresses and secrets (the secrets are read from environment
variables, so none sit in the database)."""

from veche.catalog.models import Channel
from veche.intake.models import Source
from veche.org.models import Municipality

SOURCES: list[tuple[str, str, dict[str, object]]] = [
    (
        Channel.Code.EMAIL,
        "Приёмная: электронная почта",
        {
            "host": "mail.krasnolesk.example",
            "username": "priem@krasnolesk.example",
            "password_env": "VECHE_DEMO_MAIL_PASSWORD",
            "regime": "appeal",
            "from_name": "МЦУ Краснолесского муниципального округа",
        },
    ),
    (Channel.Code.TELEGRAM, "Telegram-бот МЦУ", {"token_env": "VECHE_DEMO_TELEGRAM_TOKEN"}),
    (
        Channel.Code.VK,
        "Сообщество ВКонтакте «Краснолесье сегодня»",
        {
            "group_id": 1,
            "token_env": "VECHE_DEMO_VK_TOKEN",
            "secret_env": "VECHE_DEMO_VK_SECRET",
            "confirmation": "укажите код из настроек Callback API",
        },
    ),
    (
        Channel.Code.API,
        "Единая дежурно-диспетчерская служба (вебхук)",
        {"secret_env": "VECHE_DEMO_WEBHOOK_SECRET"},
    ),
]


def create_sources(municipality: Municipality) -> list[Source]:
    channels = {c.code: c for c in Channel.objects.all()}
    return Source.objects.bulk_create(
        Source(
            municipality=municipality,
            channel=channels[code],
            name=name,
            config=config,
            is_active=False,
        )
        for code, name, config in SOURCES
    )
