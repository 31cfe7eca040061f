"""Writes of organisational data."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from veche.org.models import ApiClient, User

TOKEN_PREFIX = "vch_"  # noqa: S105 - a visible marker, not a secret  # nosec B105


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(name: str, *, user: User) -> tuple[ApiClient, str]:
    """Create an API client acting with `user`'s rights; the token is shown once, only its
    hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        client = ApiClient.objects.create(
            name=name, user=user, token_prefix=token[:8], token_hash=hash_token(token)
        )
    return client, token


def authenticate_token(token: str) -> User | None:
    """The user behind an active token, or None; marks the client as used."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    client = (
        ApiClient.objects.select_related("user")
        .filter(token_hash=hash_token(token), is_active=True, user__is_active=True)
        .first()
    )
    if client is None:
        return None
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client.user
