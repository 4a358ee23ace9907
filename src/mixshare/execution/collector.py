"""``mixshare collect``: the OPC UA collector of one line.

It subscribes to the line PLC's ``LastSequence`` (node layout: :mod:`mixshare.execution.
opcua_line`), reads every document after the last stored one from the ring in one request,
hands them to the one ingest service and commits them **together with the new sequence
number** (table ``collector_checkpoint``), and only then writes ``AckSequence`` back to the
PLC, which frees the slots. So:

- a document is acknowledged only once it is durable;
- after a crash (even SIGKILL between the commit and the write-back) the collector resumes
  after the sequence number in the database; the PLC has kept every unacknowledged slot, and
  the few documents read twice come back from the ingest service as duplicates;
- a PLC whose counter restarted shows a new ``Epoch``: the collector then starts after the
  PLC's own ``AckSequence``.

The subscription only wakes the collector; it also polls every ``poll`` seconds, so a lost
notification delays a batch by at most that long. Broken connections are retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asyncua import ua
from asyncua.client.client import Client
from asyncua.common.node import Node
from asyncua.ua.uaerrors import UaError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.db import session_scope
from mixshare.errors import MixshareError
from mixshare.execution import service
from mixshare.execution.models import CollectorCheckpoint
from mixshare.execution.opcua_line import NAMESPACE, LineNodes, slot_of
from mixshare.execution.service import IngestReport
from mixshare.lines.models import Line
from mixshare.settings import now_local

SOURCE = "opcua"


@dataclass(frozen=True)
class Position:
    epoch: str
    sequence: int


@dataclass
class CollectorStats:
    documents: int = 0
    rounds: int = 0
    first_read: float | None = None  # monotonic time the first round started
    last_ack: float | None = None  # … and the last round acknowledged
    report: IngestReport = field(default_factory=IngestReport)

    def rate(self) -> float:
        """Documents per second from the first read to the last acknowledgement."""
        if self.first_read is None or self.last_ack is None:
            return 0.0
        return self.documents / max(self.last_ack - self.first_read, 1e-9)


# --- the database side (synchronous; run in a worker thread) -------------------------------


def line_id(line: str) -> int:
    with session_scope() as session:
        found = session.scalar(select(Line.id).where(Line.code == line))
    if found is None:
        raise MixshareError(f"unknown line {line!r}")
    return found


def stored_position(line: int) -> Position | None:
    with session_scope() as session:
        row = session.scalar(select(CollectorCheckpoint).where(CollectorCheckpoint.line_id == line))
        return Position(row.epoch, row.sequence) if row is not None else None


def _checkpoint(session: Session, line: int, endpoint: str, position: Position, count: int) -> None:
    row = session.scalar(select(CollectorCheckpoint).where(CollectorCheckpoint.line_id == line))
    if row is None:
        row = CollectorCheckpoint(line_id=line, documents=0)
        session.add(row)
    row.endpoint, row.epoch, row.sequence = endpoint[:200], position.epoch, position.sequence
    row.documents = (row.documents or 0) + count
    row.updated_at = now_local()


def store(line: int, endpoint: str, documents: list[Any], position: Position) -> IngestReport:
    """Ingest the documents and move the checkpoint to ``position`` in one transaction."""
    with session_scope() as session:
        return service.ingest_and_commit(
            session,
            documents,
            source=SOURCE,
            before_commit=lambda s, _r: _checkpoint(s, line, endpoint, position, len(documents)),
        )


def _parse(text: Any, sequence: int) -> Any:
    """The document in the slot; text that is not JSON is handed on as is (quarantined)."""
    if not isinstance(text, str):
        return f"slot of sequence {sequence} holds {text!r:.1000}"
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text[:10000]


# --- the PLC side --------------------------------------------------------------------------


class _Wake:
    """Subscription handler: any change of ``LastSequence`` wakes the collector."""

    def __init__(self, event: asyncio.Event) -> None:
        self.event = event

    def datachange_notification(self, node: Node, val: Any, data: Any) -> None:
        self.event.set()


@dataclass
class Collector:
    line: str
    endpoint: str
    poll: float = 1.0
    max_per_round: int = 200
    exit_when_idle: float | None = None
    say: Callable[[str], None] = print
    stats: CollectorStats = field(default_factory=CollectorStats)

    async def run(self, stop: asyncio.Event) -> CollectorStats:
        """Collect until ``stop`` is set (or idle for ``exit_when_idle`` seconds)."""
        self._line_id = await asyncio.to_thread(line_id, self.line)
        delay = 0.5
        while not stop.is_set():
            try:
                if await self._session(stop):
                    break
                delay = 0.5
            except (TimeoutError, OSError, UaError) as exc:
                self.say(f"connection to {self.endpoint} lost ({exc!r}); retrying in {delay:g} s")
                await _sleep_or_stop(stop, delay)
                delay = min(delay * 2, 2.0)
        return self.stats

    async def _session(self, stop: asyncio.Event) -> bool:
        """One connection's life; True when the collector should end."""
        async with Client(url=self.endpoint, timeout=10) as client:
            ns = await client.get_namespace_index(NAMESPACE)
            nodes = LineNodes(self.line, ns)
            epoch, ring = await client.read_values(
                [client.get_node(nodes.epoch), client.get_node(nodes.ring_size)]
            )
            position = await self._start(client, nodes, str(epoch))
            self.say(
                f"collecting line {self.line} from {self.endpoint}: epoch {epoch}, ring {ring}, "
                f"after sequence {position.sequence}"
            )
            wake = asyncio.Event()
            subscription = await client.create_subscription(100, _Wake(wake))
            await subscription.subscribe_data_change(client.get_node(nodes.last_sequence))
            idle_since = time.monotonic()
            while not stop.is_set():
                last = int(await client.get_node(nodes.last_sequence).read_value())
                if last > position.sequence:
                    position = await self._round(client, nodes, int(ring), position, last)
                    idle_since = time.monotonic()
                    continue
                if self.exit_when_idle is not None and (
                    time.monotonic() - idle_since >= self.exit_when_idle
                ):
                    return True
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=self.poll)
            return True

    async def _start(self, client: Client, nodes: LineNodes, epoch: str) -> Position:
        """Where to resume: after the stored sequence of this epoch, else after the PLC's ack."""
        stored = await asyncio.to_thread(stored_position, self._line_id)
        ack_node = client.get_node(nodes.ack_sequence)
        plc_ack = int(await ack_node.read_value())
        if stored is not None and stored.epoch == epoch:
            if plc_ack != stored.sequence:  # the crash fell between commit and write-back
                await ack_node.write_value(ua.Variant(stored.sequence, ua.VariantType.Int64))
            return stored
        if stored is not None:
            self.say(f"the PLC's counter restarted (epoch {stored.epoch} → {epoch})")
        return Position(epoch, plc_ack)

    async def _round(
        self, client: Client, nodes: LineNodes, ring: int, position: Position, last: int
    ) -> Position:
        """Read, store, commit, then acknowledge the documents after ``position``."""
        if self.stats.first_read is None:
            self.stats.first_read = time.monotonic()
        upto = min(last, position.sequence + ring, position.sequence + self.max_per_round)
        sequences = list(range(position.sequence + 1, upto + 1))
        slots = [slot_of(s, ring) for s in sequences]
        read = [client.get_node(nodes.slot_sequence(k)) for k in slots]
        read += [client.get_node(nodes.slot_document(k)) for k in slots]
        values = await client.read_values(read)
        found, texts = values[: len(slots)], values[len(slots) :]
        documents = []
        for sequence, in_slot, text in zip(sequences, found, texts, strict=True):
            if int(in_slot) != sequence:  # only a PLC breaking the layout's rule does this
                self.say(
                    f"slot {slot_of(sequence, ring)} holds {in_slot}, not {sequence}: "
                    "the PLC overwrote an unacknowledged document"
                )
                continue
            documents.append(_parse(text, sequence))
        position = Position(position.epoch, upto)
        report = await asyncio.to_thread(store, self._line_id, self.endpoint, documents, position)
        await client.get_node(nodes.ack_sequence).write_value(
            ua.Variant(upto, ua.VariantType.Int64)
        )
        self.stats.last_ack = time.monotonic()
        self._note(report, sequences[0])
        return position

    def _note(self, report: IngestReport, first: int) -> None:
        for result in report.results:  # before extend(), which renumbers the results
            if result.outcome != "accepted" or result.deviations:
                self.say(f"#{first + result.index}: {result.describe()}")
        self.stats.documents += len(report.results)
        self.stats.rounds += 1
        self.stats.report.extend(report)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
