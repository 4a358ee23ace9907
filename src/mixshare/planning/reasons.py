"""Why an order was left unplanned: a stable code (exports, tests, scripts) and its labels.

The code says which rule stopped the order; the stored detail says which stage, line or
window. Labels are zh-CN first, English second, as every page.
"""

from __future__ import annotations

from dataclasses import dataclass

NO_ELIGIBLE_LINE = "no_eligible_line"
DOES_NOT_FIT_HORIZON = "does_not_fit_horizon"
REST_WINDOW_IMPOSSIBLE = "rest_window_impossible"
RELEASED_TOO_LATE = "released_too_late"
# It would fit with the lines to itself, but not beside the other orders and frozen lots.
NO_CAPACITY = "no_capacity"


@dataclass(frozen=True)
class ReasonLabel:
    zh_cn: str
    en: str


REASONS: dict[str, ReasonLabel] = {
    NO_ELIGIBLE_LINE: ReasonLabel("没有可生产该段的产线", "No eligible line"),
    DOES_NOT_FIT_HORIZON: ReasonLabel(
        "计划期结束前排不下（停机、保养、班次）", "Does not fit before the horizon end"
    ),
    REST_WINDOW_IMPOSSIBLE: ReasonLabel("停放时间窗无法满足", "Rest window impossible"),
    RELEASED_TOO_LATE: ReasonLabel("原料到厂太晚", "Released too late"),
    NO_CAPACITY: ReasonLabel("与其他订单争用产能，排不下", "No capacity left beside other orders"),
}


def label(code: str, language: str = "zh_CN") -> str:
    """The code's label in ``language`` (zh_CN or en); an unknown code shows as itself."""
    known = REASONS.get(code)
    if known is None:
        return code
    return known.zh_cn if language == "zh_CN" else known.en


def both(code: str) -> str:
    """``中文 / English``, for the CLI and spreadsheets."""
    known = REASONS.get(code)
    return f"{known.zh_cn} / {known.en}" if known else code
