"""Configuration from the environment.

All times stored in the database are naive local times of the center (``CENTER_TIMEZONE``);
exports attach the offset. TOU tariffs, shifts and due dates are all local, so storing local
time keeps every rule readable.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

CENTER_TIMEZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_DATABASE_FILE = "mixshare.db"


def now_local() -> datetime:
    """The center's wall-clock time, naive, as stored in the database."""
    return datetime.now(CENTER_TIMEZONE).replace(tzinfo=None)


def database_url() -> str:
    """``MIXSHARE_DATABASE_URL`` or a SQLite file in the working directory."""
    url = os.environ.get("MIXSHARE_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


def pg_bin_dir() -> Path | None:
    """``MIXSHARE_PG_BIN``: the directory of the PostgreSQL client tools used for backups."""
    configured = os.environ.get("MIXSHARE_PG_BIN", "").strip()
    return Path(configured) if configured else None


def trusted_proxies() -> list[str]:
    """``MIXSHARE_TRUSTED_PROXIES``: the reverse proxies whose ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` headers are believed, as comma-separated addresses or CIDR networks
    (e.g. ``127.0.0.1, 10.0.0.0/24``). Empty by default: no one is trusted, the client of a
    request is the address that connected, as login throttling and the audit log need."""
    entries = [e.strip() for e in os.environ.get("MIXSHARE_TRUSTED_PROXIES", "").split(",")]
    for entry in filter(None, entries):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ValueError(
                f"MIXSHARE_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR network"
            ) from exc
    return [e for e in entries if e]
