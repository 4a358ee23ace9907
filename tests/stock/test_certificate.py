"""The certificate of analysis, rendered to PDF by WeasyPrint and read back with pypdf: the
batches, their results, the spec limits and the Chinese headings are real text in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mixshare.cli import app
from mixshare.stock import certificate, service
from tests.pdf_reading import fonts_of, pdf_text
from tests.stock.conftest import Shop


def test_the_certificate_lists_batches_results_and_limits_in_both_languages(shop: Shop) -> None:
    finals = shop.finals(2)
    shop.release(finals[:1], mooney=44.6)
    shop.release(finals[1:], mooney=47.2)
    delivery = service.create_delivery(
        shop.session,
        member_id=shop.lab.world.members["M01"],
        batch_ids=[b.id for b in finals],
        user=shop.lab.user("operator"),
    )
    text = pdf_text(certificate.pdf_of(shop.session, delivery))
    assert delivery.number in text
    for batch in finals:
        assert batch.code in text
    assert "44.6" in text and "47.2" in text  # the results
    # the spec limits LSL 40, target 45, USL 50 of Mooney in the test method's decimals
    assert "40.0" in text and "45.0" in text and "50.0" in text
    assert "质量证明书" in text and "Certificate of analysis" in text
    assert "门尼粘度" in text  # the test method's Chinese name
    assert "合格" in text and "pass" in text
    assert "成员一" in text  # the member's Chinese name


def test_chinese_is_set_in_a_cjk_font_not_boxes(shop: Shop) -> None:
    (batch,) = shop.finals(1)
    shop.release([batch])
    delivery = service.create_delivery(
        shop.session, member_id=shop.lab.world.members["M01"], batch_ids=[batch.id], user=None
    )
    fonts = fonts_of(certificate.pdf_of(shop.session, delivery))
    # scripts/setup installs WenQuanYi Micro Hei (or the machine has Noto CJK)
    assert any("WenQuanYi" in f or "CJK" in f for f in fonts), fonts


def test_the_cli_writes_the_certificate_of_a_delivery(
    shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (batch,) = shop.finals(1)
    shop.release([batch])
    delivery = service.create_delivery(
        shop.session, member_id=shop.lab.world.members["M01"], batch_ids=[batch.id], user=None
    )
    shop.session.commit()
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", shop.lab.db_url)
    target = tmp_path / "coa.pdf"
    result = CliRunner().invoke(app, ["certificate", delivery.number, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert batch.code in pdf_text(target.read_bytes())
    listed = CliRunner().invoke(app, ["deliveries"])
    assert delivery.number in listed.output and "1 deliveries" in listed.output
    missing = CliRunner().invoke(app, ["certificate", "M01-D000000-99", "-o", str(target)])
    assert missing.exit_code == 1 and "not found" in missing.output
