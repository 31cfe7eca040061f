from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from tests.personas import World, build_world

# Background jobs run at once, in the test's own thread and transaction (tests of the queue
# itself build their own huey on real Redis / SQLite: tests/intake/test_tasks.py).
HUEY.immediate = True


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: the login guard's counters and the public forms'
    throttles live there, and the file cache outlives a run."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def seeded_channels(transactional_db: None) -> None:
    """Transactional tests flush the data that migrations seeded; put the channels back."""
    from veche.catalog.models import Channel

    for code in Channel.Code:
        Channel.objects.get_or_create(code=code.value, defaults={"name": code.label})


@pytest.fixture
def seeded_deadline_policies(transactional_db: None) -> None:
    """Transactional tests flush the legal terms that a migration seeded; put them back (the
    same function the migration runs, so a browser test's clocks are the installation's)."""
    from importlib import import_module

    from django.apps import apps

    import_module("veche.deadlines.migrations.0003_seed_deadline_policies").seed(apps, None)
    import_module("veche.deadlines.migrations.0005_seed_reminder_ladder").seed(apps, None)
    import_module("veche.deadlines.migrations.0008_policy_sources_without_internal_notes").reword(
        apps, None
    )
