"""The kinds of file the center imports: one registry for the CLI and the upload page.

Each kind names its template writer, its import function and the permission it needs. The
``mixshare import KIND FILE`` / ``mixshare template KIND`` commands, the background import
jobs and the web upload page (``/imports``) all look kinds up here, so they run the very same
import function: all or nothing, every bad cell named.

To add a kind, add an :class:`ImportKind` to ``KINDS`` below (functions are named by module
path and imported only when used, so this module stays cheap to import and free of cycles).

An import function is ``(session, path, member_id) -> ImportResult`` and raises
``ValidationFailed`` with every problem; ``member_id`` (a member's user uploading) limits the
file to that member's rows. A template writer is ``(target) -> None``; its example lives on a
sheet the import never reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy.orm import Session

from mixshare.access import (
    ADMINISTER,
    KEEP_ENVIRONMENT,
    PLAN,
    TEST_BATCHES,
    WRITE_COMPOUNDS,
    WRITE_ORDERS,
    Permission,
    may,
)
from mixshare.errors import NotFound
from mixshare.spreadsheets import ImportResult
from mixshare.users.models import User

Importer = Callable[[Session, str | Path, int | None], ImportResult]
TemplateWriter = Callable[[str | Path | IO[bytes]], None]
JOB_PREFIX = "import_"
MAX_NAME = 33  # jobs.kind is 40 characters: "import_" + the name


@dataclass(frozen=True)
class ImportKind:
    """One kind of import file."""

    name: str  # `mixshare import NAME`, /imports/NAME/template, job kind import_NAME
    label: str  # English msgid, shown translated on the upload page
    help: str  # one line for the CLI's --help
    importer: str  # "module:function"
    template: str  # "module:function"
    permission: Permission
    members: bool = False  # a member's users may upload it (their own rows only)

    @property
    def job_kind(self) -> str:
        return JOB_PREFIX + self.name

    def run(self, session: Session, path: str | Path, member_id: int | None = None) -> ImportResult:
        """Import ``path`` (nothing is written if any cell is wrong); the caller commits."""
        importer = cast(Importer, _load(self.importer))
        return importer(session, path, member_id)

    def write_template(self, target: str | Path | IO[bytes]) -> None:
        writer = cast(TemplateWriter, _load(self.template))
        writer(target)

    def may_upload(self, user: User) -> bool:
        """Staff with the kind's permission; a member's users only kinds open to members."""
        if user.is_member_user and not self.members:
            return False
        return may(user, self.permission)


def _load(reference: str) -> Any:
    module, _, function = reference.partition(":")
    return getattr(import_module(module), function)


KINDS: tuple[ImportKind, ...] = (
    ImportKind(
        "orders", "Orders", "Import orders; a file with any bad cell imports nothing.",
        "mixshare.orders.imports:import_orders", "mixshare.orders.imports:template_orders",
        WRITE_ORDERS, members=True,
    ),
    ImportKind(
        "compounds", "Compounds",
        "Import compounds (one row per ingredient); a file with any bad cell imports nothing.",
        "mixshare.compounds.imports:import_compounds",
        "mixshare.compounds.imports:template_compounds",
        WRITE_COMPOUNDS,
    ),
    ImportKind(
        "members", "Members",
        "Import member companies and their users (new users get an initial password, shown "
        "once); all or nothing.",
        "mixshare.members.imports:import_members",
        "mixshare.members.imports:template_members",
        ADMINISTER,
    ),
    ImportKind(
        "materials", "Materials",
        "Import raw materials (new codes created, known ones updated); all or nothing.",
        "mixshare.materials.imports:import_materials",
        "mixshare.materials.imports:template_materials",
        ADMINISTER,
    ),
    ImportKind(
        "rules", "Changeover rules",
        "Replace the changeover rules with the file's (the whole set); all or nothing.",
        "mixshare.changeovers.imports:import_rules",
        "mixshare.changeovers.imports:template_rules",
        PLAN,
    ),
    ImportKind(
        "lab-results", "Lab results",
        "Import lab results (line, batch, test, value, measured_at); any bad cell imports nothing.",
        "mixshare.quality.imports:import_lab_results",
        "mixshare.quality.imports:template_lab_results",
        TEST_BATCHES,
    ),
    ImportKind(
        "lines", "Lines",
        "Import lines with the stages they may run and their rates; a known line is updated.",
        "mixshare.lines.imports:import_lines", "mixshare.lines.imports:template_lines",
        ADMINISTER,
    ),
    ImportKind(
        "shifts", "Shift patterns",
        "Import shift patterns (per weekday or rotating); each calendar gets the file's shifts.",
        "mixshare.lines.imports:import_shifts", "mixshare.lines.imports:template_shifts",
        ADMINISTER,
    ),
    ImportKind(
        "maintenance", "Maintenance windows",
        "Import maintenance windows (or outages) of lines; overlapping windows are refused.",
        "mixshare.lines.imports:import_downtimes", "mixshare.lines.imports:template_downtimes",
        PLAN,
    ),
    ImportKind(
        "tariffs", "Tariffs",
        "Import tariff versions (one row per time-of-use band); a known version is left alone.",
        "mixshare.tariffs.imports:import_tariffs", "mixshare.tariffs.imports:template_tariffs",
        ADMINISTER,
    ),
    ImportKind(
        "holidays", "Holidays",
        "Import holidays (whole day, or only some shifts running); a known day is updated.",
        "mixshare.lines.imports:import_holidays", "mixshare.lines.imports:template_holidays",
        ADMINISTER,
    ),
    ImportKind(
        "stack-monitoring", "Stack monitoring",
        "Import the stack monitoring system's hourly export (NMHC, flow, particulates); an hour "
        "missing or duplicated imports nothing.",
        "mixshare.environment.imports:import_stack_monitoring",
        "mixshare.environment.imports:template_stack_monitoring",
        KEEP_ENVIRONMENT,
    ),
    ImportKind(
        "treatment-log", "Treatment unit log",
        "Import the exhaust treatment unit's daily log (fan hours, combustion temperature, "
        "carbon change-outs); a known day is updated.",
        "mixshare.environment.imports:import_treatment_log",
        "mixshare.environment.imports:template_treatment_log",
        KEEP_ENVIRONMENT,
    ),
    ImportKind(
        "meter-readings", "Meter readings",
        "Import line meter readings (cumulative kWh); a counter going backwards imports nothing.",
        "mixshare.ledger.imports:import_meter_readings",
        "mixshare.ledger.imports:template_meter_readings",
        ADMINISTER,
    ),
    ImportKind(
        "contract", "Contract",
        "Import a contract version (one row per price: tolling, cleaning, lab tests, storage, "
        "fixed costs); a known version is left alone, a changed one refused.",
        "mixshare.billing.imports:import_contract",
        "mixshare.billing.imports:template_contract",
        ADMINISTER,
    ),
)  # fmt: skip

assert all(len(k.name) <= MAX_NAME for k in KINDS), "a kind name too long for jobs.kind"
assert len({k.name for k in KINDS}) == len(KINDS), "two import kinds share a name"


def all_kinds() -> tuple[ImportKind, ...]:
    return KINDS


def get(name: str) -> ImportKind:
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise NotFound(f"unknown import kind {name!r}; known: {', '.join(k.name for k in KINDS)}")


def of_job(job_kind: str) -> ImportKind | None:
    """The import kind a job kind runs (``import_orders`` → orders), or None."""
    if not job_kind.startswith(JOB_PREFIX):
        return None
    try:
        return get(job_kind.removeprefix(JOB_PREFIX))
    except NotFound:
        return None


def uploadable(user: User) -> list[ImportKind]:
    """The kinds ``user`` may upload on the web page."""
    return [kind for kind in KINDS if kind.may_upload(user)]
