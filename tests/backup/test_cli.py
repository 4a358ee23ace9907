"""The thin commands: `mixshare backup FILE`, `mixshare restore FILE [--force]`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mixshare.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())  # Rich wraps at terminal width


def test_backup_then_restore_on_a_new_database(
    center_url: str, empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "nightly.backup"
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", center_url)
    code, out = _run("backup", str(file))
    assert code == 0 and "backup written" in out, out

    monkeypatch.setenv("MIXSHARE_DATABASE_URL", empty_url)
    code, out = _run("restore", str(file))
    assert code == 0 and "restored" in out, out
    code, out = _run("restore", str(file))
    assert code == 1 and "holds data" in out and "--force" in out, out
    code, out = _run("restore", "--force", str(file))
    assert code == 0, out


def test_restore_of_a_foreign_file_says_why(
    center_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "orders.csv"
    file.write_text("number,quantity\nA-1,100\n", encoding="utf-8")
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", center_url)
    code, out = _run("restore", "--force", str(file))
    assert code == 1
    assert "not a mixshare backup" in out and "Traceback" not in out
