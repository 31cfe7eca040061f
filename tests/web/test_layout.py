"""The frame of every page: login, the top bar, logout, error pages."""

from django.test import Client
from django.urls import reverse

from tests.personas import PASSWORD, World


def test_login_page_is_in_russian(client: Client) -> None:
    response = client.get(reverse("web:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Вход в систему" in html
    assert "Имя пользователя" in html
    assert "Пароль" in html
    assert "Войти" in html


def test_wrong_password_gives_a_russian_message(client: Client, world: World) -> None:
    response = client.post(reverse("web:login"), {"username": "operator", "password": "нет"})
    assert response.status_code == 200
    assert "правильные имя пользователя и пароль" in response.content.decode()


def test_login_leads_to_the_inbox(client: Client, world: World) -> None:
    response = client.post(reverse("web:login"), {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:inbox")


def test_anonymous_is_sent_to_login(client: Client, world: World) -> None:
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next=/cases/"


def test_top_bar_shows_municipality_navigation_and_user(client: Client, world: World) -> None:
    client.force_login(world.operator)
    html = client.get(reverse("cases:inbox")).content.decode()
    assert "Демо муниципальный округ" in html
    assert ">Входящие</a>" in html
    assert "Администрирование" not in html
    assert world.operator.display_name in html
    assert 'action="/logout/"' in html
    assert "Выйти" in html
    assert 'src="/static/vendor/htmx.min.js"' in html
    assert 'href="/static/veche/veche.css"' in html


def test_staff_see_the_admin_link(client: Client, world: World) -> None:
    world.head.is_staff = True
    world.head.save(update_fields=["is_staff"])
    client.force_login(world.head)
    html = client.get(reverse("cases:inbox")).content.decode()
    assert f'href="{reverse("admin:index")}">Администрирование</a>' in html


def test_logout_is_a_post_that_ends_the_session(client: Client, world: World) -> None:
    client.force_login(world.operator)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert client.get(reverse("cases:inbox")).status_code == 302


def test_home_redirects_to_the_inbox(client: Client, world: World) -> None:
    client.force_login(world.operator)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:inbox")


def test_not_found_page_is_in_russian(client: Client, world: World) -> None:
    client.force_login(world.operator)
    response = client.get("/cases/999999/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()
