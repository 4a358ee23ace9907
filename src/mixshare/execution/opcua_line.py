"""The OPC UA node layout a mixing line's PLC exposes to the collector, and a simulated line
server that publishes batch documents through it (``mixshare simulate-plc``).

Layout (namespace URI ``urn:mixshare:line``; string node ids, ``L1`` stands for the line's
code; see docs/opcua-line.md):

=============================  ========  ====================================================
node id                        type      meaning
=============================  ========  ====================================================
``L1.Epoch``                   String    the identity of the PLC's sequence counter; changes
                                         when the counter restarts (program download, reset)
``L1.RingSize``                Int32     N, the number of document slots
``L1.LastSequence``            Int64     sequence number of the newest document (0: none)
``L1.AckSequence``             Int64     written by the collector: every document up to this
                                         one is stored in the database
``L1.Ring.007.Sequence``       Int64     the sequence number of the document in slot 7
``L1.Ring.007.Document``       String    the batch document (issue 8's contract) as JSON
=============================  ========  ====================================================

Document ``s`` (1, 2, …) lives in slot ``(s - 1) mod N``. The PLC writes a slot's Document,
then its Sequence, then ``LastSequence`` (so a reader that sees ``LastSequence = s`` finds
slot s complete), and it never overwrites a document that is not acknowledged: it publishes
``s`` only when ``s - AckSequence ≤ N`` and otherwise holds the batch in its own memory.
So nothing the line mixed is lost while the collector is down, for up to N batches.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asyncua import ua
from asyncua.common.node import Node
from asyncua.server.server import Server

NAMESPACE = "urn:mixshare:line"
DEFAULT_RING = 64
DEFAULT_ENDPOINT = "opc.tcp://127.0.0.1:4840/mixshare/"


@dataclass(frozen=True)
class LineNodes:
    """The string node ids of one line (``ns`` is the index of :data:`NAMESPACE`)."""

    line: str
    ns: int

    def _id(self, name: str) -> ua.NodeId:
        return string_node_id(f"{self.line}.{name}", self.ns)

    @property
    def epoch(self) -> ua.NodeId:
        return self._id("Epoch")

    @property
    def ring_size(self) -> ua.NodeId:
        return self._id("RingSize")

    @property
    def last_sequence(self) -> ua.NodeId:
        return self._id("LastSequence")

    @property
    def ack_sequence(self) -> ua.NodeId:
        return self._id("AckSequence")

    def slot_sequence(self, slot: int) -> ua.NodeId:
        return self._id(f"Ring.{slot:03d}.Sequence")

    def slot_document(self, slot: int) -> ua.NodeId:
        return self._id(f"Ring.{slot:03d}.Document")


def string_node_id(name: str, ns: int) -> ua.NodeId:
    return ua.NodeId(ua.String(name), ua.Int16(ns))


def slot_of(sequence: int, ring: int) -> int:
    return (sequence - 1) % ring


def _int64(value: int) -> ua.Variant:
    return ua.Variant(value, ua.VariantType.Int64)


class SimulatedLine:
    """An OPC UA server that plays a line's PLC: it publishes ``documents`` in order into the
    ring, ``rate`` per second (0: as fast as acknowledgements free slots), and appends
    ``<sequence> <batch>`` to ``sent_log`` for each one it published."""

    def __init__(
        self,
        line: str,
        documents: Sequence[dict[str, Any]],
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        ring: int = DEFAULT_RING,
        rate: float = 0.0,
        epoch: str | None = None,
        sent_log: Path | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        self.line = line
        self.documents = documents
        self.endpoint = endpoint
        self.ring = ring
        self.rate = rate
        self.epoch = epoch or uuid.uuid4().hex[:12]
        self.sent_log = sent_log
        self.say = say
        self.server = Server()
        self.published = 0
        self._nodes: LineNodes | None = None
        self._ack: Node | None = None

    async def _build(self) -> LineNodes:
        await self.server.init()
        self.server.set_endpoint(self.endpoint)
        self.server.set_server_name(f"mixshare simulated line {self.line}")
        self.server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        ns = await self.server.register_namespace(NAMESPACE)
        nodes = LineNodes(self.line, ns)
        folder = await self.server.nodes.objects.add_object(
            string_node_id(self.line, ns), ua.QualifiedName(self.line, ns)
        )

        async def variable(node_id: ua.NodeId, value: ua.Variant) -> Node:
            name = str(node_id.Identifier).removeprefix(f"{self.line}.")
            return await folder.add_variable(node_id, ua.QualifiedName(name, ns), value)

        await variable(nodes.epoch, ua.Variant(self.epoch, ua.VariantType.String))
        await variable(nodes.ring_size, ua.Variant(self.ring, ua.VariantType.Int32))
        await variable(nodes.last_sequence, _int64(0))
        self._ack = await variable(nodes.ack_sequence, _int64(0))
        await self._ack.set_writable()
        for slot in range(self.ring):
            await variable(nodes.slot_sequence(slot), _int64(0))
            await variable(nodes.slot_document(slot), ua.Variant("", ua.VariantType.String))
        self._nodes = nodes
        return nodes

    async def _acknowledged(self) -> int:
        assert self._ack is not None
        return int(await self._ack.read_value())

    async def _publish(self, nodes: LineNodes, sequence: int, document: dict[str, Any]) -> None:
        slot = slot_of(sequence, self.ring)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        write = self.server.write_attribute_value
        await write(
            nodes.slot_document(slot), ua.DataValue(ua.Variant(text, ua.VariantType.String))
        )
        await write(nodes.slot_sequence(slot), ua.DataValue(_int64(sequence)))
        await write(nodes.last_sequence, ua.DataValue(_int64(sequence)))
        self.published = sequence
        if self.sent_log is not None:
            with self.sent_log.open("a", encoding="utf-8") as log:
                log.write(f"{sequence} {document.get('batch')}\n")

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; publishing ends when every document is out."""
        nodes = await self._build()
        async with self.server:
            self.say(
                f"simulated line {self.line} listening on {self.endpoint} (epoch {self.epoch})"
            )
            for sequence, document in enumerate(self.documents, start=1):
                while sequence - await self._acknowledged() > self.ring:  # ring full: hold it
                    if stop.is_set():
                        return
                    await asyncio.sleep(0.01)
                if stop.is_set():
                    return
                await self._publish(nodes, sequence, document)
                if self.rate > 0:
                    await asyncio.sleep(1.0 / self.rate)
            self.say(f"published all {len(self.documents)} documents")
            while not stop.is_set():
                await asyncio.sleep(0.1)
