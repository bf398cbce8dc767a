"""The test suite's lint step: the tree passes ruff's checks and is ruff-formatted.

`make lint` runs the same two commands plus ESLint on gis/static/gis/ (which needs npm).
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize(
    "args", [["check", "."], ["format", "--check", "."]], ids=["check", "format"]
)
def test_ruff(args):
    done = subprocess.run([str(RUFF), *args], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
