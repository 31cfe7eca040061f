from collections.abc import Iterator

import pytest

from veche.deadlines.calendar_store import clear_calendar_cache


@pytest.fixture(autouse=True)
def _fresh_calendars() -> Iterator[None]:
    """Each test builds its calendars from its own database rows."""
    clear_calendar_cache()
    yield
    clear_calendar_cache()
