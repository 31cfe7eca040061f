"""Login lockout, the Content-Security-Policy and the other security headers."""

import re
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.personas import PASSWORD, World
from veche.web import login_guard
from veche.web.security import content_security_policy, tile_origin

LOCKED = "Слишком много неудачных попыток входа"
WRONG = "правильные имя пользователя и пароль"
SRC = Path(__file__).resolve().parents[2] / "src" / "veche"


class Clock:
    """A clock the test moves on."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(login_guard, "clock", clock)
    return clock


def _random_address() -> str:
    """A random client address: the counters stay in the shared cache between runs."""
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


@pytest.fixture
def address() -> str:
    return _random_address()


def _login(client: Client, username: str, password: str, address: str) -> Any:
    return client.post(
        reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _fail(client: Client, username: str, address: str, times: int) -> Any:
    response = None
    for _ in range(times):
        response = _login(client, username, "неверный", address)
    return response


@pytest.fixture(autouse=True)
def _reset(world: World) -> None:
    """Users are new per test, but the cache is not: clear the personas' counters."""
    for username in ("operator", "нет-такого", "head"):
        login_guard.record_success(username)


def test_username_is_locked_after_n_failures_even_with_the_right_password(
    client: Client, world: World, clock: Clock, address: str, settings: Any
) -> None:
    settings.VECHE_LOGIN_ATTEMPTS = 3
    assert WRONG in _fail(client, "operator", address, 2).content.decode()
    third = _fail(client, "operator", address, 1)
    assert third.status_code == 429
    assert LOCKED in third.content.decode()
    # Another address, the right password: the username itself is locked.
    refused = _login(client, "operator", PASSWORD, _random_address())
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_ends_after_the_window(
    client: Client, world: World, clock: Clock, address: str, settings: Any
) -> None:
    settings.VECHE_LOGIN_ATTEMPTS = 3
    settings.VECHE_LOGIN_LOCK_MINUTES = 15
    _fail(client, "operator", address, 3)
    clock.now += 14 * 60
    assert _login(client, "operator", PASSWORD, address).status_code == 429
    clock.now += 2 * 60
    assert _login(client, "operator", PASSWORD, address).status_code == 302


def test_old_failures_fall_out_of_the_window(
    client: Client, world: World, clock: Clock, address: str, settings: Any
) -> None:
    settings.VECHE_LOGIN_ATTEMPTS = 3
    _fail(client, "operator", address, 2)
    clock.now += 16 * 60
    assert _fail(client, "operator", address, 2).status_code == 200
    assert _login(client, "operator", PASSWORD, address).status_code == 302


def test_a_good_login_clears_the_username_count(
    client: Client, world: World, clock: Clock, address: str, settings: Any
) -> None:
    settings.VECHE_LOGIN_ATTEMPTS = 3
    _fail(client, "operator", address, 2)
    assert _login(client, "operator", PASSWORD, address).status_code == 302
    client.logout()
    assert _fail(client, "operator", address, 2).status_code == 200


def test_address_is_locked_after_failures_over_many_usernames(
    client: Client, world: World, clock: Clock, address: str, settings: Any
) -> None:
    settings.VECHE_LOGIN_ATTEMPTS = 2
    limit = 2 * login_guard.ADDRESS_FACTOR
    for n in range(limit - 1):
        assert _login(client, f"гость{n}-{address}", "x", address).status_code == 200
    assert _login(client, f"последний-{address}", "x", address).status_code == 429
    # A real account from that address is refused too; from elsewhere it gets in.
    assert _login(client, "operator", PASSWORD, address).status_code == 429
    assert _login(client, "operator", PASSWORD, _random_address()).status_code == 302


def test_unknown_username_is_answered_like_a_known_one(
    client: Client, world: World, clock: Clock, address: str, settings: Any
) -> None:
    settings.VECHE_LOGIN_ATTEMPTS = 3

    def answers(username: str, where: str) -> list[tuple[int, str]]:
        seen = []
        for _ in range(4):
            response = _login(client, username, "неверный", where)
            html = response.content.decode()
            seen.append((response.status_code, LOCKED if LOCKED in html else WRONG))
        return seen

    known = answers("operator", address)
    unknown = answers("нет-такого", _random_address())
    assert known == unknown == [(200, WRONG), (200, WRONG), (429, LOCKED), (429, LOCKED)]


def test_every_page_carries_a_strict_policy(client: Client, world: World) -> None:
    client.force_login(world.operator)
    for url in (reverse("web:login"), reverse("cases:inbox"), "/report/", "/нет-такой/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert "unsafe-eval" not in policy
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(self)"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_tile_server_is_allowed_for_images() -> None:
    osm = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in content_security_policy(osm)
    assert tile_origin("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org:8443"
    )
    assert tile_origin("/tiles/{z}/{x}/{y}.png") == ""


def test_cookies_are_http_only_and_same_site(settings: Any) -> None:
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SECURE == settings.SESSION_COOKIE_SECURE


def test_no_template_has_an_inline_script() -> None:
    """The policy refuses inline code: every <script> has a src (or a nonce), and no element
    has an on… handler or a javascript: link."""
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        html = template.read_text(encoding="utf-8")
        name = template.relative_to(SRC)
        tags = re.findall(r"<script\b[^>]*>", html, flags=re.I)
        offenders += [f"{name}: {t}" for t in tags if "src=" not in t and "nonce=" not in t]
        handlers = re.findall(r"<[a-z][^>]*\son[a-z]+\s*=", html, flags=re.I)
        offenders += [f"{name}: {h}" for h in handlers]
        if re.search(r"""(href|action)\s*=\s*["']\s*javascript:""", html, flags=re.I):
            offenders.append(f"{name}: javascript: link")
    assert offenders == []
