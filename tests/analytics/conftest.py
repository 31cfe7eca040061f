from typing import Any

import pytest

from tests.analytics.october import build_october
from tests.personas import World
from veche.cases.models import Case


@pytest.fixture
def october(world: World, django_capture_on_commit_callbacks: Any) -> dict[str, Case]:
    """The hand-counted October (october.py), its analytics store up to date."""
    return build_october(world, django_capture_on_commit_callbacks)
