"""``mixshare import lab-results FILE``: all or nothing, every bad cell named."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixshare.errors import ValidationFailed
from mixshare.quality import service
from mixshare.quality.imports import import_lab_results
from tests.quality.conftest import Lab


def test_a_clean_file_stores_every_result(lab: Lab, tmp_path: Path) -> None:
    first, second, _ = lab.mix(3)
    path = tmp_path / "results.csv"
    path.write_text(
        "产线 / line,批次 / batch,检测项目 / test,结果 / value,检测时间 / measured_at\n"
        f"L1,{first.code},MOONEY,61.5,\n"
        f"L1,{first.code},HARDNESS_A,64,\n"
        f"L1,{second.code},MOONEY,59.0,\n",
        encoding="utf-8",
    )
    result = import_lab_results(lab.session, path, user=lab.user())
    assert result.rows == 3 and len(result.created) == 3
    assert [r.value for r in service.results_of(lab.session, first)] == [61.5, 64.0]
    assert second.state == "tested"  # rest over (mixed two days ago), lot's hardness covers it


def test_a_file_with_bad_cells_stores_nothing_and_names_each(lab: Lab, tmp_path: Path) -> None:
    first, second, _ = lab.mix(3)
    path = tmp_path / "results.csv"
    path.write_text(
        "line,batch,test,value,measured_at\n"
        f"L1,{first.code},MOONEY,61.5,\n"
        f"L1,{second.code},MOONEY,abc,\n"
        f"L1,{second.code},HARDNESS,64,\n"
        f"L1,NO-SUCH-BATCH,HARDNESS_A,64,\n"
        f"L1,{first.code},HARDNESS_A,,\n"
        f"L1,{first.code},HARDNESS_A,64,2031-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as rejected:
        import_lab_results(lab.session, path, user=lab.user())
    found = [(p.location, p.message) for p in rejected.value.problems]
    assert found == [
        ("results.csv, row 3, column value", "not a number"),
        ("results.csv, row 4, column test", "unknown test method"),
        ("results.csv, row 5, column batch", "unknown batch"),
        ("results.csv, row 6, column value", "required value is empty"),
        ("results.csv, row 7, column measured_at", "lies in the future"),
    ]
    assert service.results_of(lab.session, first) == []
