"""Hypothesis profiles for the fuzz suite.

`fuzz` (local) draws fresh examples on every run; `fuzz-ci` (env CI=true) is derandomized,
so a CI failure reproduces exactly. Neither keeps an example database: no `.hypothesis`
directory is written into the checkout. A failing example is printed by Hypothesis
(`print_blob`), so it can be replayed with `@reproduce_failure` while debugging.
"""

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis still caches constants and Unicode tables on disk: outside the checkout.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "veche-hypothesis")

# The Django fixtures (`db`, `world`) are function-scoped on purpose: every example of a test
# shares one transaction, and the tests keep examples apart themselves.
_BASE = settings(
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("fuzz", _BASE)
settings.register_profile("fuzz-ci", _BASE, derandomize=True)
settings.load_profile("fuzz-ci" if os.environ.get("CI", "").lower() == "true" else "fuzz")
