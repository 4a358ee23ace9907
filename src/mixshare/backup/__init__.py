"""Backups of the whole database and their restore (``mixshare backup`` / ``mixshare restore``).

SQLite is copied with SQLite's online backup API (a consistent snapshot while the app writes);
PostgreSQL with ``pg_dump -Fc``. A restore checks the file first, refuses to replace a database
that holds data unless forced, migrates an older backup to this code's schema, and either
completes or changes nothing.
"""

from mixshare.backup.service import Backup, BackupError, Restored, backup, restore

__all__ = ["Backup", "BackupError", "Restored", "backup", "restore"]
