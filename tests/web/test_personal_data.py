"""The author's personal data: masked on the card, revealed only on request and logged."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from tests.personas import World, make_case
from tests.web.conftest import HX
from veche.cases.models import Attachment, Case, PersonalDataAccess
from veche.cases.services import CitizenData

FULL = "Иванов Иван Иванович"


def reveal_url(case: Case) -> str:
    return reverse("cases:reveal", args=[case.pk])


def test_card_shows_the_author_masked(client: Client, world: World, housing_case: Case) -> None:
    client.force_login(world.operator)
    html = client.get(reverse("cases:detail", args=[housing_case.pk])).content.decode()
    assert "Иванов И. И." in html
    assert FULL not in html
    assert "+7 9** ***-**-45" in html
    assert "Показать данные заявителя" in html
    assert PersonalDataAccess.objects.count() == 0


def test_reveal_shows_full_data_and_writes_the_log(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.operator)
    response = client.post(reveal_url(housing_case), headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith("{#") is False
    assert 'id="case-author"' in html
    assert "hx-preserve" not in html  # the swap must replace the masked block
    assert FULL in html
    assert "+7 912 345-67-45" in html
    assert "Просмотр записан в журнал доступа." in html
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.citizen_id, access.case, access.purpose) == (
        world.operator,
        housing_case.author_id,
        housing_case,
        "case_card",
    )


def test_reveal_without_js_renders_the_card(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.housing_executor)
    response = client.post(reveal_url(housing_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert FULL in html
    assert PersonalDataAccess.objects.filter(user=world.housing_executor).count() == 1


def test_every_reveal_is_logged(client: Client, world: World, housing_case: Case) -> None:
    client.force_login(world.operator)
    client.post(reveal_url(housing_case), headers=HX)
    client.post(reveal_url(housing_case), headers=HX)
    assert PersonalDataAccess.objects.count() == 2


def test_masked_block_is_preserved_across_card_swaps(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.operator)
    html = client.get(reverse("cases:detail", args=[housing_case.pk])).content.decode()
    assert '<section id="case-author" class="panel author" hx-preserve="true">' in html


def test_roles_without_the_right_get_no_button_and_403(
    client: Client, world: World, housing_case: Case
) -> None:
    for persona in (world.observer, world.regional):
        client.force_login(persona)
        html = client.get(reverse("cases:detail", args=[housing_case.pk])).content.decode()
        assert "Показать данные заявителя" not in html
        assert "ваша роль не даёт доступа к персональным данным" in html
        response = client.post(reveal_url(housing_case), headers=HX)
        assert response.status_code == 403
        assert FULL not in response.content.decode()
        assert "Недостаточно прав" in response.content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_anonymous_case_has_nothing_to_reveal(client: Client, world: World) -> None:
    case = make_case(world.municipality, author=CitizenData(), department=world.housing)
    Case.objects.filter(pk=case.pk).update(author=None)
    client.force_login(world.operator)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Заявитель не указан" in html
    assert "Показать данные заявителя" not in html


def test_all_author_fields_are_masked(client: Client, world: World) -> None:
    case = make_case(
        world.municipality,
        author=CitizenData(
            full_name="Петрова Анна Сергеевна",
            phone="8 (912) 000-11-22",
            email="petrova@example.ru",
            postal_address="ул. Ленина, д. 5, кв. 12",
            social_id="vk.com/petrova",
        ),
    )
    client.force_login(world.operator)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for secret in ("Анна Сергеевна", "000-11-22", "petrova@", "д. 5", "кв. 12", "vk.com/petrova"):
        assert secret not in html
    for masked in ("Петрова А. С.", "p******@example.ru", "ул. Ленина, д. *, кв. *", "скрыт"):
        assert masked in html


def test_attachment_downloads_only_as_a_file(
    client: Client, world: World, housing_case: Case, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    item = Attachment.objects.create(
        case=housing_case,
        file=SimpleUploadedFile("photo.html", b"<script>alert(1)</script>"),
        name="фото <ямы>.html",
        content_type="text/html",
        size=25,
    )
    client.force_login(world.housing_executor)
    html = client.get(reverse("cases:detail", args=[housing_case.pk])).content.decode()
    assert "фото &lt;ямы&gt;.html" in html
    response = client.get(reverse("cases:attachment", args=[housing_case.pk, item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"  # type: ignore[attr-defined]
    client.force_login(world.roads_executor)
    assert (
        client.get(reverse("cases:attachment", args=[housing_case.pk, item.pk])).status_code == 404
    )
