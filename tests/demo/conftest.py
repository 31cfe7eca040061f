from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """The demo stores its stand-in photo; keep it out of the developer's var directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
