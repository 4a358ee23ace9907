"""Every clock read in mixshare is the center's (``now_local``), never the machine's: a
server on UTC froze the wrong hours and stamped plans eight hours off."""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "mixshare"
MACHINE_CLOCK = re.compile(r"\b(datetime\.(now|utcnow|today)|date\.today)\(\)")


def test_no_machine_clock_outside_settings() -> None:
    offenders = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for path in SOURCE.rglob("*.py")
        if path.name != "settings.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if MACHINE_CLOCK.search(line)
    ]
    assert offenders == [], "use mixshare.settings.now_local():\n" + "\n".join(offenders)
