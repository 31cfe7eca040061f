import shutil
from pathlib import Path

import pytest

from tests.ops.instance import sqlite_instance


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file (migrating takes half a minute): instances copy it."""
    instance = sqlite_instance(tmp_path_factory.mktemp("template"), "template")
    instance.run("migrate", "-v0")
    template = instance.var_dir.parent / "migrated.sqlite3"
    shutil.copyfile(instance.var_dir / "veche.sqlite3", template)
    return template
