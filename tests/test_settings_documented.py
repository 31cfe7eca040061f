"""Every environment variable the settings read is documented in the README, and vice versa."""

import re
from pathlib import Path

from veche.env import VARIABLES

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_documents_every_setting() -> None:
    table = README.read_text(encoding="utf-8").split("## Настройки", 1)[1].split("\n## ", 1)[0]
    documented = dict(re.findall(r"^\| `([A-Z_]+)` \|[^|]*\| (.+?) \|$", table, flags=re.M))

    assert documented == VARIABLES
