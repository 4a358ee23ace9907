"""The stack monitoring export: every hour once; a missing or duplicated hour names its row and
nothing is imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from mixshare.db import session_factory
from mixshare.environment.imports import import_stack_monitoring, import_treatment_log
from mixshare.environment.models import StackReading, TreatmentLogDay
from mixshare.errors import ValidationFailed
from tests.environment.conftest import Month, write_stack_csv


def _count(db_url: str) -> int:
    with session_factory(db_url)() as session:
        return session.scalar(select(func.count()).select_from(StackReading)) or 0


def test_a_missing_hour_names_the_row_and_imports_nothing(month: Month, tmp_path: Path) -> None:
    path = write_stack_csv(tmp_path / "gap.csv", [0, 1, 2, 5, 6])  # 03:00 and 04:00 missing
    with session_factory(month.db_url)() as session, pytest.raises(ValidationFailed) as caught:
        import_stack_monitoring(session, path)
    [problem] = caught.value.problems
    assert problem.location == "gap.csv, row 5, column hour"
    assert "2 hour(s) missing" in problem.message
    assert "2026-11-01 03:00 to 2026-11-01 04:00" in problem.message
    assert _count(month.db_url) == 0


def test_a_duplicated_hour_names_both_rows(month: Month, tmp_path: Path) -> None:
    path = write_stack_csv(tmp_path / "dup.csv", [0, 1, 1, 2])
    with session_factory(month.db_url)() as session, pytest.raises(ValidationFailed) as caught:
        import_stack_monitoring(session, path)
    [problem] = caught.value.problems
    assert problem.location == "dup.csv, row 4, column hour"
    assert "2026-11-01 01:00 is duplicated (row 3 has it already)" in problem.message
    assert _count(month.db_url) == 0


def test_bad_cells_are_named(month: Month, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("监测时间,非甲烷总烃,标干流量\n2026-11-01 00:30,2,5000\n2026-11-01 01:00,-1,\n",
                    encoding="utf-8")  # fmt: skip
    with session_factory(month.db_url)() as session, pytest.raises(ValidationFailed) as caught:
        import_stack_monitoring(session, path)
    found = {(p.location, p.message) for p in caught.value.problems}
    assert ("bad.csv, row 2, column hour", "not the start of an hour (YYYY-MM-DD HH:00)") in found
    assert ("bad.csv, row 3, column nmhc_mg_m3", "must lie between 0 and 100000") in found
    assert ("bad.csv, row 3, column flow_m3_h", "required value is empty") in found
    assert _count(month.db_url) == 0


def test_a_reimport_changes_nothing_and_other_values_are_refused(
    month: Month, tmp_path: Path
) -> None:
    path = write_stack_csv(tmp_path / "s.csv", [0, 1, 2])
    with session_factory(month.db_url)() as session:
        assert len(import_stack_monitoring(session, path).created) == 3
        session.commit()
        again = import_stack_monitoring(session, path)
        assert (len(again.created), len(again.unchanged)) == (0, 3)
        changed = tmp_path / "changed.csv"
        changed.write_text(path.read_text(encoding="utf-8").replace(",2.0,", ",2.5,", 1),
                           encoding="utf-8")  # fmt: skip
        with pytest.raises(ValidationFailed, match="imported before with other values"):
            import_stack_monitoring(session, changed)
    assert _count(month.db_url) == 3


def test_treatment_log_import(month: Month, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("日期,风机运行小时,燃烧温度最低,活性炭更换\n2026-11-01,22,772,850\n"
                    "2026-11-02,25,760,\n", encoding="utf-8")  # fmt: skip
    with session_factory(month.db_url)() as session:
        with pytest.raises(ValidationFailed) as caught:
            import_treatment_log(session, path)
        assert [p.location for p in caught.value.problems] == ["log.csv, row 3, column fan_hours"]
        path.write_text(path.read_text(encoding="utf-8").replace(",25,", ",23,"), encoding="utf-8")
        assert len(import_treatment_log(session, path).created) == 2
        session.commit()
        assert session.scalar(select(func.sum(TreatmentLogDay.fan_hours))) == 45


def test_a_bad_treatment_log_names_each_row_and_records_no_day(
    month: Month, tmp_path: Path
) -> None:
    """A repeated day, an impossible fan time and a control character in a note: each named by
    row and column, and not even the good first row is recorded."""
    path = tmp_path / "log.csv"
    path.write_text("日期,风机运行小时,燃烧温度最低,备注\n2026-11-01,22,772,ok\n"
                    "2026-11-01,20,770,\n2026-11-02,-1,770,\n2026-11-03,20,9999,\x07bell\n",
                    encoding="utf-8")  # fmt: skip
    with session_factory(month.db_url)() as session, pytest.raises(ValidationFailed) as caught:
        import_treatment_log(session, path)
    found = {p.location: p.message for p in caught.value.problems}
    assert found["log.csv, row 3, column day"] == "repeats row 2"
    assert "log.csv, row 4, column fan_hours" in found
    assert "log.csv, row 5, column combustion_temp_min_c" in found
    assert "control or invisible character" in found["log.csv, row 5, column note"]
    with session_factory(month.db_url)() as session:
        assert session.scalar(select(func.count()).select_from(TreatmentLogDay)) == 0


def test_an_outlet_code_too_long_or_not_a_code_is_named(month: Month, tmp_path: Path) -> None:
    path = tmp_path / "outlets.csv"
    path.write_text("排放口,监测时间,非甲烷总烃,标干流量\n"
                    f"{'D' * 25},2026-11-01 00:00,2,5000\nDA 001,2026-11-01 00:00,2,5000\n",
                    encoding="utf-8")  # fmt: skip
    with session_factory(month.db_url)() as session, pytest.raises(ValidationFailed) as caught:
        import_stack_monitoring(session, path)
    found = {p.location: p.message for p in caught.value.problems}
    assert found["outlets.csv, row 2, column stack"] == "an outlet code has at most 24 characters"
    assert "may contain only ASCII letters" in found["outlets.csv, row 3, column stack"]
    assert _count(month.db_url) == 0
