"""The one ingest service: every path (``POST /api/v1/batches``, ``mixshare ingest batches``,
the hand form of the shift view, collectors and simulators) hands documents to :func:`ingest`.

Each document ends as exactly one of:

- **accepted**: stored (batch, weighings, genealogy and curve in one transaction); possibly
  with **deviations** (unknown raw lot, unknown material or one not in the recipe version's
  stage, a weight outside the tolerance of its target, an unknown consumed batch or plan
  lot). A deviating batch physically exists and must not be lost, so it is stored and flagged;
- **duplicate**: the same line + batch with the same content is already stored: nothing is
  written and the caller is told it succeeded;
- **conflict**: the same line + batch with other content: the stored batch stays, the new
  document is kept in ``batch_conflict`` for review (answered 409);
- **quarantined**: the document cannot be a batch record (a reason per bad field: weights
  negative or absurd, temperatures outside the sensor range, arrays of different lengths, ended
  before started, unknown line or compound, …); kept as sent in ``quarantined_document``.

:func:`ingest` never commits: the caller commits, and only then acknowledges (answers the
request, prints the line, advances the collector's sequence number). The batch row and its
curve blob are written in that one transaction, so after a crash either both exist or
neither does.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.db import table_of
from mixshare.errors import NotFound, Problem, ValidationFailed, validated
from mixshare.execution import curves
from mixshare.execution.models import (
    Batch,
    BatchConflict,
    BatchConsumption,
    BatchCurve,
    BatchIngredient,
    QuarantinedDocument,
    RawMaterialLot,
)
from mixshare.execution.samples import SIGNALS
from mixshare.execution.schemas import BatchDocument, Outcome, RawLotIn, Reason
from mixshare.lines.models import Line
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.planning.models import Plan, PlanLot
from mixshare.quality import scoring
from mixshare.settings import now_local
from mixshare.users.models import User
from mixshare.validation import to_local_naive

MAX_REASONS_PER_ARRAY = 3  # a bad sensor gives hundreds of bad samples; three make the point


@dataclass(frozen=True)
class IngestRules:
    """The center's tolerances *(defaults; a center sets its own)*."""

    weight_tolerance: float = 0.005
    """A weighing outside ±0.5 % of its target is a deviation (domain primer §5)."""
    temperature_range_c: tuple[float, float] = (-20.0, 300.0)
    """What the chamber thermocouple can measure; anything else is a broken value."""
    max_density_kg_per_l: float = 2.5
    """No rubber compound is denser: more kg than this × the chamber's net volume is absurd."""
    max_power_factor: float = 3.0
    """Power above this × the line's rated power is absurd."""


DEFAULT_RULES = IngestRules()


@dataclass
class Result:
    """What became of one document."""

    index: int
    outcome: Outcome
    line: str | None = None
    batch: str | None = None
    batch_id: int | None = None
    reasons: list[Reason] = field(default_factory=list)
    deviations: list[Reason] = field(default_factory=list)

    @property
    def status(self) -> int:
        """The HTTP status of this outcome alone."""
        return {"accepted": 201, "duplicate": 200, "conflict": 409, "quarantined": 422}[
            self.outcome
        ]

    def describe(self) -> str:
        """One line for people: ``L1/L1-20261207-0001: quarantined: field: why; …``."""
        what = f"{self.line or '?'}/{self.batch or '?'}"
        listed = self.reasons or self.deviations
        label = "accepted with deviation" if self.outcome == "accepted" else self.outcome
        details = "; ".join(f"{r.field}: {r.message}" for r in listed)
        return f"{what}: {label}" + (f": {details}" if details else "")


@dataclass
class IngestReport:
    results: list[Result] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def deviations(self) -> int:
        return sum(1 for r in self.results if r.outcome == "accepted" and r.deviations)

    def summary(self) -> str:
        return (
            f"accepted {self.count('accepted')}, duplicates {self.count('duplicate')}, "
            f"conflicts {self.count('conflict')}, quarantined {self.count('quarantined')}, "
            f"deviations {self.deviations}"
        )

    def extend(self, other: IngestReport) -> None:
        offset = len(self.results)
        for result in other.results:
            result.index += offset
            self.results.append(result)


# --- the catalogue a document is checked against (read once per call) ----------------------


@dataclass(frozen=True)
class Recipe:
    version_id: int
    member_id: int
    stages: tuple[str, ...]
    materials: dict[str, frozenset[str]]  # stage → material codes of the recipe


class Catalogue:
    """Lines, compound versions and materials, cached for one ingest call."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.lines = {line.code: line for line in session.scalars(select(Line))}
        rows = session.execute(select(Material.code, Material.id)).all()
        self.materials = {code: material_id for code, material_id in rows}
        self._recipes: dict[str, Recipe | None] = {}
        self._lots: dict[str, tuple[int, int, str] | None] = {}

    def recipe(self, key: str) -> Recipe | None:
        if key not in self._recipes:
            self._recipes[key] = self._load_recipe(key)
        return self._recipes[key]

    def _load_recipe(self, key: str) -> Recipe | None:
        member_code, dot, rest = key.partition(".")
        compound_code, dot_v, number = rest.rpartition(".v")
        if not (dot and dot_v and number.isdigit()):
            return None
        version = self.session.scalar(
            select(CompoundVersion)
            .join(Compound)
            .join(Member)
            .where(
                Member.code == member_code,
                Compound.code == compound_code,
                CompoundVersion.version == int(number),
            )
        )
        if version is None:
            return None
        codes = {m_id: code for code, m_id in self.materials.items()}
        by_stage: dict[str, set[str]] = {}
        for ingredient in version.ingredients:
            by_stage.setdefault(ingredient.stage, set()).add(codes[ingredient.material_id])
        return Recipe(
            version.id,
            version.compound.member_id,
            tuple(version.stages()),
            {stage: frozenset(found) for stage, found in by_stage.items()},
        )

    def plan_lot(self, code: str) -> tuple[int, int, str] | None:
        """(order id, compound version id, stage) of the newest plan lot with ``code``."""
        if code not in self._lots:
            row = self.session.execute(
                select(PlanLot.order_id, PlanLot.compound_version_id, PlanLot.stage)
                .join(Plan)
                .where(PlanLot.code == code)
                .order_by(Plan.version.desc())
                .limit(1)
            ).first()
            self._lots[code] = (row[0], row[1], row[2]) if row is not None else None
        return self._lots[code]


# --- canonical content ---------------------------------------------------------------------


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(document: BatchDocument) -> str:
    """The hash of what the document says: times as UTC instants, numbers as numbers (the
    model's field order is fixed, so its JSON is canonical)."""
    in_utc = document.model_copy(
        update={
            "started_at": document.started_at.astimezone(UTC),
            "ended_at": document.ended_at.astimezone(UTC),
        }
    )
    return hashlib.sha256(in_utc.model_dump_json().encode()).hexdigest()


def _raw_hash(raw: Any) -> str:
    try:
        return _digest(raw)
    except (TypeError, ValueError):
        return _digest(repr(raw))


# --- checks --------------------------------------------------------------------------------


def _field(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "document"


def _structure_reasons(error: ValidationError) -> list[Reason]:
    reasons: list[Reason] = []
    per_array: dict[str, int] = {}
    for item in error.errors():
        loc = item["loc"]
        array = _field([p for p in loc if not isinstance(p, int)])
        per_array[array] = per_array.get(array, 0) + 1
        if per_array[array] > MAX_REASONS_PER_ARRAY:
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        value = item.get("input")
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            message += f" (value: {value!r})"
        reasons.append(Reason(field=_field(loc), message=message))
    return reasons


def _raw_fields(raw: Any) -> tuple[str | None, str | None]:
    if not isinstance(raw, Mapping):
        return None, None
    line, batch = raw.get("line"), raw.get("batch")
    return (
        line[:60] if isinstance(line, str) else None,
        batch[:60] if isinstance(batch, str) else None,
    )


def _array_reasons(doc: BatchDocument) -> list[Reason]:
    lengths = {name: len(getattr(doc.curve, name)) for name in SIGNALS}
    if len(set(lengths.values())) <= 1:
        return []
    shown = ", ".join(f"{name} {n}" for name, n in lengths.items())
    return [Reason(field="curve", message=f"arrays of different lengths ({shown})")]


def _out_of(values: Sequence[float], low: float, high: float) -> list[tuple[int, float]]:
    return [(i, v) for i, v in enumerate(values) if not low <= v <= high]


def _sensor_reasons(doc: BatchDocument, line: Line | None, rules: IngestRules) -> list[Reason]:
    low, high = rules.temperature_range_c
    reasons = []
    if not low <= doc.dump_temperature_c <= high:
        reasons.append(
            Reason(
                field="dump_temperature_c",
                message=f"{doc.dump_temperature_c} °C is outside the sensor range {low}–{high} °C",
            )
        )
    for i, value in _out_of(doc.curve.temperature_c, low, high)[:MAX_REASONS_PER_ARRAY]:
        reasons.append(
            Reason(
                field=f"curve.temperature_c[{i}]",
                message=f"{value} °C is outside the sensor range {low}–{high} °C",
            )
        )
    max_kw = line.rated_power_kw * rules.max_power_factor if line is not None else math.inf
    for i, value in _out_of(doc.curve.power_kw, 0.0, max_kw)[:MAX_REASONS_PER_ARRAY]:
        reasons.append(
            Reason(
                field=f"curve.power_kw[{i}]",
                message=f"{value} kW is impossible (0 to {max_kw:g} kW on this line)",
            )
        )
    return reasons


def _weight_reasons(doc: BatchDocument, line: Line, rules: IngestRules) -> list[Reason]:
    capacity = line.net_volume_l * rules.max_density_kg_per_l
    reasons = []
    for i, weighing in enumerate(doc.ingredients):
        for name in ("target_kg", "actual_kg"):
            value = getattr(weighing, name)
            if value > capacity:
                reasons.append(
                    Reason(
                        field=f"ingredients[{i}].{name}",
                        message=f"{value} kg is absurd: line {line.code}'s chamber holds at "
                        f"most {capacity:g} kg",
                    )
                )
    total = sum(w.actual_kg for w in doc.ingredients)
    if total > capacity and not reasons:
        reasons.append(
            Reason(
                field="ingredients",
                message=f"{total:g} kg in all is absurd: the chamber holds at most {capacity:g} kg",
            )
        )
    return reasons


def _quarantine_reasons(
    doc: BatchDocument, catalogue: Catalogue, user: User | None, rules: IngestRules
) -> tuple[list[Reason], Recipe | None]:
    reasons: list[Reason] = []
    line = catalogue.lines.get(doc.line)
    if line is None:
        reasons.append(Reason(field="line", message=f"unknown line {doc.line!r}"))
    elif user is not None and user.line_id is not None and user.line_id != line.id:
        reasons.append(
            Reason(field="line", message=f"this account reports for another line, not {doc.line}")
        )
    recipe = catalogue.recipe(doc.compound)
    if recipe is None:
        reasons.append(Reason(field="compound", message=f"unknown compound {doc.compound!r}"))
    elif doc.stage not in recipe.stages:
        stages = ", ".join(recipe.stages)
        reasons.append(
            Reason(field="stage", message=f"{doc.compound} has no stage {doc.stage} ({stages})")
        )
    if not doc.ingredients and not doc.consumed:
        reasons.append(
            Reason(field="ingredients", message="no weighings and no consumed batches: empty")
        )
    if doc.ended_at <= doc.started_at:
        reasons.append(Reason(field="ended_at", message="ended before (or when) it started"))
    reasons += _array_reasons(doc)
    reasons += _sensor_reasons(doc, line, rules)
    if line is not None:
        reasons += _weight_reasons(doc, line, rules)
    if doc.energy_kwh is None and not doc.curve.power_kw:
        reasons.append(
            Reason(field="energy_kwh", message="required when the curve has no power_kw samples")
        )
    return reasons, recipe


def _deviations(
    doc: BatchDocument,
    recipe: Recipe,
    catalogue: Catalogue,
    known: _Known,
    rules: IngestRules,
) -> list[Reason]:
    found: list[Reason] = []
    in_recipe = recipe.materials.get(doc.stage, frozenset())
    for i, weighing in enumerate(doc.ingredients):
        at = f"ingredients[{i}]"
        material_id = catalogue.materials.get(weighing.material)
        if material_id is None:
            found.append(
                Reason(field=f"{at}.material", message=f"unknown material {weighing.material}")
            )
        elif weighing.material not in in_recipe:
            found.append(
                Reason(
                    field=f"{at}.material",
                    message=f"{weighing.material} is not in {doc.compound} stage {doc.stage}",
                )
            )
        lot = known.raw_lots.get(weighing.raw_lot) if weighing.raw_lot else None
        if weighing.raw_lot is None:
            found.append(Reason(field=f"{at}.raw_lot", message="no raw-material lot given"))
        elif lot is None:
            found.append(
                Reason(field=f"{at}.raw_lot", message=f"unknown raw lot {weighing.raw_lot}")
            )
        elif material_id is not None and lot[1] != material_id:
            found.append(
                Reason(
                    field=f"{at}.raw_lot",
                    message=f"raw lot {weighing.raw_lot} is not {weighing.material}",
                )
            )
        off = weighing.actual_kg / weighing.target_kg - 1
        if abs(off) > rules.weight_tolerance:
            found.append(
                Reason(
                    field=f"{at}.actual_kg",
                    message=f"{weighing.actual_kg} kg is {off:+.2%} of the target "
                    f"{weighing.target_kg} kg (tolerance ±{rules.weight_tolerance:.1%})",
                )
            )
    for i, code in enumerate(doc.consumed):
        if not known.consumed_known(code):
            found.append(Reason(field=f"consumed[{i}]", message=f"unknown batch {code}"))
    if doc.lot is not None:
        planned = catalogue.plan_lot(doc.lot)
        if planned is None:
            found.append(Reason(field="lot", message=f"plan lot {doc.lot} is in no plan"))
        elif (planned[1], planned[2]) != (recipe.version_id, doc.stage):
            found.append(
                Reason(field="lot", message=f"plan lot {doc.lot} is another compound or stage")
            )
    return found


# --- storing -------------------------------------------------------------------------------


@dataclass
class NewBatch:
    """A batch this call adds: its row, and its id once inserted (:meth:`_Call.store_new`)."""

    row: dict[str, Any]
    id: int | None = None

    @property
    def content_hash(self) -> str:
        return str(self.row["content_hash"])


@dataclass
class _Known:
    """What one ingest call looks up once for all its documents (one query each), and the
    batches it has added so far (a document may repeat or consume one of the same call)."""

    stored: dict[tuple[int, str], tuple[int, str]]  # (line id, code) → (batch id, hash)
    raw_lots: dict[str, tuple[int, int]]  # code → (lot id, material id)
    batches_by_code: dict[str, int]  # code → batch id, for genealogy
    pending: dict[tuple[int, str], NewBatch] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, docs: Sequence[BatchDocument]) -> _Known:
        codes = {d.batch for d in docs}
        consumed = {code for d in docs for code in d.consumed}
        lots = {w.raw_lot for d in docs for w in d.ingredients if w.raw_lot}
        stored: dict[tuple[int, str], tuple[int, str]] = {}
        by_code: dict[str, int] = {}
        wanted = codes | consumed
        if wanted:
            rows = session.execute(
                select(Batch.id, Batch.line_id, Batch.code, Batch.content_hash).where(
                    Batch.code.in_(wanted)
                )
            )
            for batch_id, line_id, code, digest in rows:
                stored[(line_id, code)] = (batch_id, digest)
                by_code.setdefault(code, batch_id)
        raw_lots: dict[str, tuple[int, int]] = {}
        if lots:
            lot_rows = session.execute(
                select(RawMaterialLot.code, RawMaterialLot.id, RawMaterialLot.material_id).where(
                    RawMaterialLot.code.in_(lots)
                )
            )
            raw_lots = {code: (lot_id, material_id) for code, lot_id, material_id in lot_rows}
        return cls(stored, raw_lots, by_code)

    def consumed_known(self, code: str) -> bool:
        return code in self.batches_by_code or any(k[1] == code for k in self.pending)


def _energy(doc: BatchDocument) -> tuple[float, bool]:
    if doc.energy_kwh is not None:
        return doc.energy_kwh, False
    return round(curves.integral_kwh(doc.curve.power_kw, doc.curve.hz), 3), True


def _new_batch(
    doc: BatchDocument,
    *,
    line: Line,
    recipe: Recipe,
    catalogue: Catalogue,
    known: _Known,
    deviations: list[Reason],
    digest: str,
    source: str,
    user: User | None,
) -> NewBatch:
    energy, from_curve = _energy(doc)
    planned = catalogue.plan_lot(doc.lot) if doc.lot else None
    row = dict(
        line_id=line.id,
        code=doc.batch,
        lot_code=doc.lot,
        order_id=planned[0] if planned else None,
        compound_version_id=recipe.version_id,
        member_id=recipe.member_id,
        stage=doc.stage,
        started_at=to_local_naive(doc.started_at),
        ended_at=to_local_naive(doc.ended_at),
        operator=doc.operator,
        dump_temperature_c=doc.dump_temperature_c,
        energy_kwh=energy,
        energy_from_curve=from_curve,
        target_kg=round(sum(w.target_kg for w in doc.ingredients), 3),
        actual_kg=round(sum(w.actual_kg for w in doc.ingredients), 3),
        state="mixed",
        has_deviation=bool(deviations),
        deviations=[r.model_dump() for r in deviations],
        content_hash=digest,
        source=source,
        received_at=now_local(),
        received_by=user.id if user is not None else None,
    )
    return NewBatch(row)


def _insert_details(
    session: Session,
    added: Sequence[tuple[NewBatch, BatchDocument]],
    catalogue: Catalogue,
    known: _Known,
) -> list[scoring.Arrival]:
    """The weighings, genealogy and curves of the new (stored) batches, as bulk inserts: the
    unit of work's per-object bookkeeping cost more than everything else of an ingest. Returns
    the new batches' curves, for scoring."""
    ids_by_code = dict(known.batches_by_code)
    ids_by_code.update({code: new.id for (_, code), new in known.pending.items() if new.id})
    weighings, links, blobs = [], [], []
    arrivals = []
    for new, doc in added:
        batch_id = new.id
        assert batch_id is not None, "stored by _Call.store_new"
        for i, w in enumerate(doc.ingredients):
            lot = known.raw_lots.get(w.raw_lot) if w.raw_lot else None
            weighings.append(
                {
                    "batch_id": batch_id,
                    "position": i,
                    "material_code": w.material,
                    "material_id": catalogue.materials.get(w.material),
                    "raw_lot_code": w.raw_lot,
                    "raw_lot_id": lot[0] if lot else None,
                    "target_kg": w.target_kg,
                    "actual_kg": w.actual_kg,
                }
            )
        links += [
            {
                "batch_id": batch_id,
                "position": i,
                "consumed_code": code,
                "consumed_batch_id": ids_by_code.get(code),
            }
            for i, code in enumerate(doc.consumed)
        ]
        signals = {name: getattr(doc.curve, name) for name in SIGNALS}
        blobs.append(
            {
                "batch_id": batch_id,
                "hz": doc.curve.hz,
                "samples": len(doc.curve.power_kw),
                "codec": curves.CODEC,
                "data": curves.encode(signals),
            }
        )
        key = (new.row["compound_version_id"], new.row["stage"], new.row["line_id"])
        arrivals.append(scoring.Arrival(batch_id, key, signals, doc.curve.hz))
    for model, rows in (
        (BatchIngredient, weighings),
        (BatchConsumption, links),
        (BatchCurve, blobs),
    ):
        if rows:
            session.execute(insert(table_of(model)), rows)
    return arrivals


def _quarantine(
    session: Session,
    raw: Any,
    reasons: list[Reason],
    source: str,
    user: User | None,
) -> None:
    digest = _raw_hash(raw)
    stored = session.scalar(
        select(QuarantinedDocument).where(QuarantinedDocument.content_hash == digest)
    )
    if stored is not None:
        stored.times_received += 1
        return
    line, batch = _raw_fields(raw)
    session.add(
        QuarantinedDocument(
            content_hash=digest,
            line_code=line,
            batch_code=batch,
            document=raw if _jsonable(raw) else repr(raw),
            reasons=[r.model_dump() for r in reasons],
            source=source,
            received_at=now_local(),
            received_by=user.id if user is not None else None,
        )
    )
    # the same bad document twice in one call is one row, counted twice
    session.flush()


def _jsonable(raw: Any) -> bool:
    """Storable in a JSON column: NaN and infinities are not JSON (PostgreSQL refuses them)."""
    try:
        json.dumps(raw, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def _repeat(
    session: Session,
    stored: tuple[int | None, str],
    doc: BatchDocument,
    digest: str,
    result: Result,
    source: str,
    user: User | None,
) -> Result:
    """A document under a stored batch's id: a duplicate, or a conflict kept for review."""
    batch_id, stored_digest = stored
    if stored_digest == digest:
        result.outcome = "duplicate"
        result.batch_id = batch_id
        return result
    result.outcome = "conflict"
    result.reasons = [
        Reason(
            field="batch",
            message=f"batch {doc.batch} of line {doc.line} was already reported with other "
            "content; both are kept for review",
        )
    ]
    result.batch_id = batch_id
    kept = session.scalar(
        select(BatchConflict).where(
            BatchConflict.batch_id == batch_id, BatchConflict.content_hash == digest
        )
    )
    if kept is not None:
        kept.times_received += 1
        return result
    session.add(
        BatchConflict(
            batch_id=batch_id,
            content_hash=digest,
            document=doc.model_dump(mode="json"),
            source=source,
            received_at=now_local(),
            received_by=user.id if user is not None else None,
        )
    )
    session.flush()
    return result


@dataclass
class _Call:
    """One ingest call: where documents go and what they are checked against."""

    session: Session
    catalogue: Catalogue
    known: _Known
    source: str
    user: User | None
    rules: IngestRules
    added: dict[int, tuple[NewBatch, BatchDocument]] = field(default_factory=dict)  # by index
    repeats: dict[int, NewBatch] = field(default_factory=dict)  # index → batch added earlier

    def store_new(self) -> None:
        """Insert the new batches not yet stored (one Core executemany, no RETURNING: on
        PostgreSQL the ORM's multi-row INSERT … RETURNING cost more client CPU than any other
        step of an ingest) and read their ids back in one query."""
        new = [n for n in self.known.pending.values() if n.id is None]
        if not new:
            return
        self.session.execute(insert(table_of(Batch)), [n.row for n in new])
        by_key = {(n.row["line_id"], n.row["code"]): n for n in new}
        rows = self.session.execute(
            select(Batch.id, Batch.line_id, Batch.code).where(
                Batch.code.in_({n.row["code"] for n in new})
            )
        )
        for batch_id, line_id, code in rows:
            if (found := by_key.get((line_id, code))) is not None:
                found.id = batch_id

    def quarantined(self, raw: Any, result: Result, reasons: list[Reason]) -> Result:
        result.outcome, result.reasons = "quarantined", reasons
        _quarantine(self.session, raw, reasons, self.source, self.user)
        return result

    def one(self, raw: Any, parsed: BatchDocument | list[Reason], result: Result) -> Result:
        if isinstance(parsed, list):
            return self.quarantined(raw, result, parsed)
        doc = parsed
        reasons, recipe = _quarantine_reasons(doc, self.catalogue, self.user, self.rules)
        line = self.catalogue.lines.get(doc.line)
        if reasons or recipe is None or line is None:
            return self.quarantined(raw, result, reasons)
        digest = content_hash(doc)
        key = (line.id, doc.batch)
        pending = self.known.pending.get(key)
        if pending is not None:
            if pending.content_hash != digest:
                self.store_new()  # a conflict is kept under the batch's id: it needs it now
            self.repeats[result.index] = pending  # a duplicate's id is known after the insert
            return _repeat(
                self.session,
                (pending.id, pending.content_hash),
                doc,
                digest,
                result,
                self.source,
                self.user,
            )
        if key in self.known.stored:
            return _repeat(
                self.session,
                self.known.stored[key],
                doc,
                digest,
                result,
                self.source,
                self.user,
            )
        result.deviations = _deviations(doc, recipe, self.catalogue, self.known, self.rules)
        new = _new_batch(
            doc,
            line=line,
            recipe=recipe,
            catalogue=self.catalogue,
            known=self.known,
            deviations=result.deviations,
            digest=digest,
            source=self.source,
            user=self.user,
        )
        self.known.pending[key] = new
        self.added[result.index] = (new, doc)
        return result


def _parse(raw: Any) -> BatchDocument | list[Reason]:
    if not isinstance(raw, Mapping):
        what = "text that is not JSON" if isinstance(raw, str) else "not a JSON object"
        return [Reason(field="document", message=f"{what}: expected a batch object")]
    try:
        return BatchDocument.model_validate(raw)
    except ValidationError as exc:
        return _structure_reasons(exc)


def ingest(
    session: Session,
    documents: Iterable[Any],
    *,
    source: str,
    user: User | None = None,
    rules: IngestRules = DEFAULT_RULES,
) -> IngestReport:
    """Check and store each document in turn (see the module docstring); commits nothing.

    Everything a call needs from the database is read in a few queries for all its
    documents, and the new batches are written in a few bulk inserts at the end (measured:
    per-document look-ups and flushes made ingest several times slower;
    benchmarks/execution_ingest.py, docs/benchmarks/execution-2026-12-02.md).
    """
    raws = list(documents)
    parsed = [_parse(raw) for raw in raws]
    docs = [p for p in parsed if isinstance(p, BatchDocument)]
    call = _Call(session, Catalogue(session), _Known.load(session, docs), source, user, rules)
    report = IngestReport()
    for index, (raw, item) in enumerate(zip(raws, parsed, strict=True)):
        line_code, batch_code = _raw_fields(raw)
        result = Result(index=index, outcome="accepted", line=line_code, batch=batch_code)
        report.results.append(call.one(raw, item, result))
    session.flush()
    call.store_new()
    arrivals = _insert_details(session, list(call.added.values()), call.catalogue, call.known)
    # every new batch gets its golden-curve score and flag now, before any lab result
    scoring.score_arrivals(session, arrivals, now_local())
    for index, (new, _doc) in call.added.items():
        report.results[index].batch_id = new.id
    for index, new in call.repeats.items():
        report.results[index].batch_id = new.id
    return report


def ingest_one(
    session: Session,
    raw: Any,
    *,
    source: str,
    user: User | None = None,
    rules: IngestRules = DEFAULT_RULES,
) -> Result:
    """:func:`ingest` of a single document."""
    return ingest(session, [raw], source=source, user=user, rules=rules).results[0]


def ingest_and_commit(
    session: Session,
    documents: Sequence[Any],
    *,
    source: str,
    user: User | None = None,
    rules: IngestRules = DEFAULT_RULES,
    before_commit: Callable[[Session, IngestReport], None] | None = None,
) -> IngestReport:
    """:func:`ingest`, then commit: what the paths that acknowledge call.

    ``before_commit`` writes what must be durable together with the documents (the OPC UA
    collector's sequence number) in the same transaction.

    Two writers may store the same line + batch between one's look-up and its insert; the
    loser's transaction fails on the unique key and is run once more, where the document meets
    the stored batch and is answered as the duplicate or conflict it is. (No savepoint per
    document: SQLite's driver would commit at the first savepoint's release.)
    """
    user_id = user.id if user is not None else None
    for attempt in (1, 2):
        try:
            report = ingest(session, documents, source=source, user=user, rules=rules)
            if before_commit is not None:
                before_commit(session, report)
            session.commit()
            return report
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
            user = session.get(User, user_id) if user_id is not None else None
    raise AssertionError("unreachable")


# --- line accounts ------------------------------------------------------------------------


def create_line_account(session: Session, line_code: str, username: str) -> tuple[User, str]:
    """A machine account for one line (role ``line``: it may only report that line's batches)
    and its bearer token (shown once). It has a random password nobody knows: it never logs in.
    """
    from mixshare.users import service as users

    line = session.scalar(select(Line).where(Line.code == line_code))
    if line is None:
        raise ValidationFailed([Problem("line", "unknown line", line_code)])
    if users.get_by_username(session, username) is not None:
        raise ValidationFailed([Problem("username", "already taken", username)])
    user = User(
        username=username,
        full_name=f"line {line.code}",
        password_hash=users.hash_password(secrets.token_urlsafe(32)),
        role="line",
        line_id=line.id,
        created_at=now_local(),
    )
    session.add(user)
    session.flush()
    return user, users.create_token(session, user, f"line {line.code}")[1]


# --- raw-material receipts -----------------------------------------------------------------


def receive_raw_lot(session: Session, data: RawLotIn | Mapping[str, Any]) -> RawMaterialLot:
    """Record a receipt of raw material; the lot code must be new."""
    spec = validated(RawLotIn, data)
    problems = []
    material_id = session.scalar(select(Material.id).where(Material.code == spec.material))
    if material_id is None:
        problems.append(Problem("material", "unknown material", spec.material))
    exists = session.scalar(select(RawMaterialLot.id).where(RawMaterialLot.code == spec.code))
    if exists is not None:
        problems.append(Problem("code", "a raw-material lot with this code exists", spec.code))
    if problems or material_id is None:
        raise ValidationFailed(problems)
    lot = RawMaterialLot(
        code=spec.code,
        material_id=material_id,
        supplier=spec.supplier,
        supplier_lot=spec.supplier_lot,
        quantity_kg=spec.quantity_kg,
        received_at=spec.received_at,
        created_at=now_local(),
    )
    session.add(lot)
    session.flush()
    return lot


# --- reading -------------------------------------------------------------------------------


def get_batch(session: Session, batch_id: int, scope: int | None = None) -> Batch:
    """The batch, if it exists and ``scope`` (a member id, or None for the center) sees it."""
    batch = session.get(Batch, batch_id)
    if batch is None or (scope is not None and batch.member_id != scope):
        raise NotFound(f"batch {batch_id} not found")
    return batch


def curve_of(batch: Batch) -> dict[str, list[float]]:
    """The batch's signals by name (empty lists when it has no curve)."""
    if batch.curve is None:
        return {name: [] for name in SIGNALS}
    return curves.decode(batch.curve.data)


def local_moment(moment: datetime) -> datetime:
    """A naive center time (as stored) from any aware moment."""
    return to_local_naive(moment)
