"""Without Chromium the browser tests skip with a reason; they never end the run in an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_missing_chromium_skips_the_browser_tests_cleanly(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-chromium"
    env = {**os.environ, "MIXSHARE_CHROMIUM": str(missing)}
    env.pop("MIXSHARE_DATABASE_URL", None)  # the SQLite run, where the browser tests belong
    pytest = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"]
    run = subprocess.run(
        [*pytest, "tests/web/browser"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "error" not in output.lower(), output
    assert f"no Chromium at {missing}" in output
