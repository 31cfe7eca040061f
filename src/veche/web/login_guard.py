"""Login lockout: too many failed logins for one username, or from one client address, lock
further attempts for a while.

The counters live in Django's cache (Redis in production, shared by every worker). A locked
attempt is refused before the password is checked, so a correct password does not get through
either, and an unknown username is counted and answered exactly like a known one: the page never
tells whether an account exists.

Each key keeps the times of its recent failures (a sliding window). The read-modify-write is not
atomic: workers racing on one key may let a few extra attempts through, never fewer. With the
cache down (Redis stopped) nothing is counted and nothing is locked, and a warning is logged:
staff can still sign in with their passwords.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse

from veche.web.outages import CACHE_ERRORS

log = logging.getLogger(__name__)

# Staff of one office often share an address behind NAT: the address gets more failures than
# one username before it locks, so a few typos do not lock out the whole office.
ADDRESS_FACTOR = 4

LOCKED_MESSAGE = (
    "Слишком много неудачных попыток входа. Вход временно заблокирован, "
    "повторите через {minutes} мин."
)

# Seconds since the epoch; tests replace it to move time on.
clock: Callable[[], float] = time.time


def _window_s() -> int:
    return int(settings.VECHE_LOGIN_LOCK_MINUTES) * 60


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    """Cache keys with their failure limits; the username is hashed (any length or character)."""
    limit = int(settings.VECHE_LOGIN_ATTEMPTS)
    keys = []
    name = username.strip().casefold()
    if name:
        digest = hashlib.sha256(name.encode()).hexdigest()
        keys.append((f"login-guard:user:{digest}", limit))
    if address:
        keys.append((f"login-guard:addr:{address}", limit * ADDRESS_FACTOR))
    return keys


def _state(key: str, now: float) -> dict[str, Any]:
    state = cache.get(key) or {}
    window = _window_s()
    failures = [t for t in state.get("failures", []) if t > now - window]
    return {"failures": failures, "locked_until": float(state.get("locked_until", 0.0))}


def is_locked(username: str, address: str, now: float | None = None) -> bool:
    now = clock() if now is None else now
    try:
        return any(_state(key, now)["locked_until"] > now for key, _ in _keys(username, address))
    except CACHE_ERRORS as exc:
        log.warning("cache unavailable, login lock not checked: %s", exc)
        return False


def record_failure(username: str, address: str, now: float | None = None) -> bool:
    """Count one failed login; True when it locks the username or the address."""
    try:
        return _record_failure(username, address, now)
    except CACHE_ERRORS as exc:
        log.warning("cache unavailable, failed login not counted: %s", exc)
        return False


def _record_failure(username: str, address: str, now: float | None) -> bool:
    now = clock() if now is None else now
    window = _window_s()
    locked = False
    for key, limit in _keys(username, address):
        state = _state(key, now)
        state["failures"].append(now)
        if len(state["failures"]) >= limit:
            state["locked_until"] = now + window
            state["failures"] = []
            locked = True
            log.warning("login locked for %s s: %s", window, key.rsplit(":", 2)[1])
        cache.set(key, state, timeout=window * 2)
    return locked


def record_success(username: str) -> None:
    """A good login clears the username's failures (not the address's: one valid account must
    not reset the count of guesses at the others)."""
    try:
        for key, _ in _keys(username, ""):
            cache.delete(key)
    except CACHE_ERRORS as exc:
        log.warning("cache unavailable, failed logins not cleared: %s", exc)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR: behind a reverse proxy, let the proxy set it from X-Forwarded-For."""
    return str(request.META.get("REMOTE_ADDR", ""))


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=settings.VECHE_LOGIN_LOCK_MINUTES)


class GuardedAuthenticationForm(AuthenticationForm):
    """The login form refuses a locked username or address before checking the password."""

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        address = client_address(self.request) if self.request is not None else ""
        if is_locked(username, address):
            raise ValidationError(locked_message(), code="locked")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if record_failure(username, address):
                raise ValidationError(locked_message(), code="locked") from error
            raise
        record_success(username)
        return cleaned


class GuardedLoginView(auth_views.LoginView):
    form_class = GuardedAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "locked"):
            response.status_code = 429
        return response
