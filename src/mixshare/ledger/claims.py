"""Members' frozen baselines and the center's claims against them ("energy −x %, VOC −y %,
efficiency ×z"), per member and overall, each figure with its method and the data behind it.

A baseline is entered once per member and never edited: a claim is only reproducible against
a frozen baseline computed the same way (domain primer §8). The center's side of each claim:

- **energy**: the member's batch kWh (every pass) plus its share of the line meters'
  difference (``service.ALLOCATION_RULE``, when meter readings exist), per tonne of compound
  made (raw materials weighed in), against the baseline kWh/t;
- **efficiency**: tonnes of compound per mixer hour (the member's batches' run time, every
  pass), against the baseline t/h, as a factor;
- **VOC**: kg per tonne of rubber input by the baseline's own method (emission factor or stack
  monitoring), from the environment ledger (``environment.service.member_share``).

Overall figures weigh every member by its tonnes: Σ center kWh ÷ Σ (baseline kWh/t × tonnes),
and so on; a member without a baseline is left out of the overall figures (and named).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed, validated
from mixshare.ledger import service
from mixshare.ledger.models import MemberBaseline
from mixshare.members.models import Member
from mixshare.settings import now_local
from mixshare.users.models import User
from mixshare.validation import Text

METHODS = {
    "energy": "center kWh/t = (the member's batch kWh, every pass, + its allocated share of the "
    "line meters' difference) / tonnes of compound made (raw materials weighed in); change = "
    "center / baseline - 1",
    "efficiency": "center t/h = tonnes of compound made / mixer hours of the member's batches "
    "(every pass); factor = center / baseline",
    "voc": "kg VOC (as NMHC) per tonne of rubber input by the baseline's method (emission "
    "factor, or stack monitoring allocated by rubber input) from the environment ledger; "
    "change = center / baseline - 1",
    "overall": "tonne-weighted: sum of center figures / sum of baseline figures at the "
    "members' own tonnes; members without a baseline are left out",
}


class BaselineIn(BaseModel):
    """A member's pre-center figures, by the method the claims use."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    member: str = Field(min_length=1, max_length=20)
    kwh_per_t: float = Field(gt=0, le=10_000, allow_inf_nan=False)
    tonnes_per_hour: float = Field(gt=0, le=1_000, allow_inf_nan=False)
    voc_kg_per_t: float | None = Field(default=None, ge=0, le=1_000, allow_inf_nan=False)
    voc_method: Literal["emission_factor", "stack"] = "emission_factor"
    period: Text = Field(min_length=1, max_length=60)
    source: Text = Field(min_length=1, max_length=300)


def set_baseline(
    session: Session, data: BaselineIn | Mapping[str, Any], user: User | None = None
) -> MemberBaseline:
    """Freeze a member's baseline; a second one for the same member is refused."""
    parsed = validated(BaselineIn, data)
    member_id = service.member_id_of(session, parsed.member)
    existing = session.scalar(select(MemberBaseline).where(MemberBaseline.member_id == member_id))
    if existing is not None:
        when = f"{existing.entered_at:%Y-%m-%d %H:%M}"
        message = f"{parsed.member} has a frozen baseline since {when}; it cannot be changed"
        raise ValidationFailed([Problem("member", message, parsed.member)])
    baseline = MemberBaseline(
        member_id=member_id,
        **parsed.model_dump(exclude={"member"}),
        entered_at=now_local(),
        entered_by=user.id if user is not None else None,
    )
    session.add(baseline)
    session.flush()
    return baseline


def baselines(session: Session) -> list[tuple[str, MemberBaseline]]:
    query = select(Member.code, MemberBaseline).join(Member, Member.id == MemberBaseline.member_id)
    return [(code, baseline) for code, baseline in session.execute(query.order_by(Member.code))]


def _change(center: float | None, baseline: float | None) -> float | None:
    if center is None or not baseline:
        return None
    return round(100 * (center / baseline - 1), 1)


def _member_claim(
    session: Session,
    month: str,
    member_id: int,
    row: dict[str, Any],
    allocated: float,
    baseline: MemberBaseline,
) -> dict[str, Any]:
    from mixshare.environment.service import member_share  # the environment ledger's own rule

    tonnes, hours = row["input_tonnes"], row["mixer_seconds"] / 3600
    kwh = row["kwh"] + allocated
    center_kwh_t = kwh / tonnes if tonnes else None
    center_t_h = tonnes / hours if hours else None
    share = member_share(session, month, member_id)
    voc_kg = share.voc_factor_kg if baseline.voc_method == "emission_factor" else share.voc_stack_kg
    center_voc_t = share.per_tonne(voc_kg)
    return {
        "baseline": {
            "kwh_per_t": baseline.kwh_per_t,
            "tonnes_per_hour": baseline.tonnes_per_hour,
            "voc_kg_per_t": baseline.voc_kg_per_t,
            "voc_method": baseline.voc_method,
            "period": baseline.period,
            "source": baseline.source,
            "entered_at": baseline.entered_at.isoformat(timespec="minutes"),
        },
        "data": {
            "tonnes": tonnes,
            "batch_kwh": row["kwh"],
            "allocated_meter_kwh": round(allocated, 2),
            "mixer_hours": round(hours, 4),
            "voc_tonnes_rubber_input": round(share.tonnes, 3),
            "voc_kg": None if voc_kg is None else round(voc_kg, 3),
        },
        "energy": {
            "center_kwh_per_t": None if center_kwh_t is None else round(center_kwh_t, 2),
            "change_pct": _change(center_kwh_t, baseline.kwh_per_t),
        },
        "efficiency": {
            "center_t_per_h": None if center_t_h is None else round(center_t_h, 3),
            "factor": None
            if center_t_h is None
            else round(center_t_h / baseline.tonnes_per_hour, 2),
        },
        "voc": {
            "center_kg_per_t": None if center_voc_t is None else round(center_voc_t, 3),
            "change_pct": _change(center_voc_t, baseline.voc_kg_per_t),
        },
    }


def _overall(claims: dict[str, dict[str, Any]]) -> dict[str, Any]:
    kwh = base_kwh = tonnes = hours = base_hours = voc = base_voc = 0.0
    voc_complete = True
    for claim in claims.values():
        data, base = claim["data"], claim["baseline"]
        tonnes += data["tonnes"]
        kwh += data["batch_kwh"] + data["allocated_meter_kwh"]
        base_kwh += base["kwh_per_t"] * data["tonnes"]
        hours += data["mixer_hours"]
        base_hours += data["tonnes"] / base["tonnes_per_hour"]
        if data["voc_kg"] is None or base["voc_kg_per_t"] is None:
            voc_complete = False
        else:
            voc += data["voc_kg"]
            base_voc += base["voc_kg_per_t"] * data["voc_tonnes_rubber_input"]
    return {
        "members": sorted(claims),
        "tonnes": round(tonnes, 3),
        "energy_change_pct": _change(kwh, base_kwh),
        "efficiency_factor": round(base_hours / hours, 2) if hours and base_hours else None,
        "voc_change_pct": _change(voc, base_voc) if voc_complete and claims else None,
    }


def month_claims(session: Session, *, month: str) -> dict[str, Any]:
    """The month's claims per member with a baseline and overall (plain JSON-able data)."""
    ledger = service.energy_ledger(session, month=month)
    rows = {row["member"]: row for row in ledger["by_member"]}
    allocated = ledger["meters"]["allocated_kwh_by_member"]
    frozen = {code: b for code, b in baselines(session)}
    claims = {
        code: _member_claim(session, month, b.member_id, rows[code], allocated.get(code, 0.0), b)
        for code, b in frozen.items()
        if code in rows
    }
    missing = [f"{code}: no baseline" for code in sorted(rows) if code not in frozen]
    missing += [f"{code}: no batches this month" for code in sorted(frozen) if code not in rows]
    missing += [
        f"{code}: no VOC figure by {claim['baseline']['voc_method']} (environment ledger)"
        for code, claim in claims.items()
        if claim["voc"]["change_pct"] is None
    ]
    return {
        "month": month,
        "methods": METHODS,
        "members": claims,
        "overall": _overall(claims),
        "missing": missing,
    }
