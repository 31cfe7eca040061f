from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files import File
from django.utils import timezone

from tests.personas import World
from veche.intake.imports import service
from veche.intake.models import ImportKind, ImportRun

RunFile = Callable[..., ImportRun]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run_file(world: World) -> RunFile:
    """Upload a file as the МЦУ operator and import it at once, as the job would."""

    def run(path: Path, kind: ImportKind = ImportKind.IM, **extra: Any) -> ImportRun:
        with path.open("rb") as handle:
            started = service.start_import(
                world.municipality,
                File(handle, name=path.name),
                kind=kind,
                by=world.operator,
                now=timezone.now(),
            )
        for name, value in extra.items():
            setattr(started, name, value)
        started.save()
        return service.run_import(started)

    return run
