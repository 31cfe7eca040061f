"""A scratch folder and database for one benchmark run, set before Django reads its settings."""

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scratch(
    prefix: str, *, keep: bool, workdir: Path | None = None, db: Path | None = None
) -> Iterator[Path]:
    """Point VECHE_VAR_DIR and DATABASE_URL at a new folder (or at `db`), so a run never
    touches var/ or a configured database; remove the folder afterwards unless `keep`."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=workdir))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "veche.settings",
            "VECHE_VAR_DIR": str(folder),
            "DATABASE_URL": f"sqlite:///{db or folder / 'bench.sqlite3'}",
            "VECHE_DEBUG": "0",  # no query log growing in memory
            "VECHE_LOG_LEVEL": "WARNING",
        }
    )
    try:
        yield folder
    finally:
        if keep:
            print(f"kept: {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
