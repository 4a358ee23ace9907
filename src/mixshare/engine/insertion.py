"""Incremental decoding of one insertion: only the part of the plan the insertion can move.

The search's repair step inserts a lot at a few candidate positions and prices each. Decoding
every candidate from scratch re-times the whole plan; on four weeks of the demo center (2,128
lots on 2 lines) most of that time went into packing the Python sequences and converting the
times back and forth, and the rest into re-timing lots the insertion cannot move.

:func:`insertion_base` decodes the sequences once before the candidates (one earliest-start
pass, kept as flat arrays); :func:`decode_insertion` then times each candidate from that pass,
re-timing on each line only the lots from the first one the insertion can reach (the inserted
lot's line from its position, other lines from the first lot whose chain predecessor moves;
see :func:`mixshare.engine.kernels.insert_forward`). The times are those :func:`decode` gives
the candidate's sequences: when the candidate needs what the incremental pass does not do (a
max-lag repair, or the TOU-aware pass) it returns None and the caller decodes in full.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixshare.engine import kernels
from mixshare.engine.model import EARLIEST, Decoding, Model, _forward, _lag_violation, decode


@dataclass
class Timed:
    """Sequences as flat arrays (see :func:`mixshare.engine.kernels.pack`) and their times."""

    flat: np.ndarray
    ptr: np.ndarray
    start: np.ndarray
    end: np.ndarray
    co_start: np.ndarray
    error: str | None = None


@dataclass
class InsertionBase:
    """The sequences lots are about to be inserted into, decoded once.

    ``decoded``: their times as :func:`decode` gives them (what the candidates are screened
    against). ``first_pass``: the earliest-start pass the candidates are re-timed from, None
    when they cannot be (the pass failed, or the decode is TOU-aware). ``line_of`` and
    ``pos_of``: each placed lot's line and position on it (-1 for a lot not placed).
    """

    decoded: Timed
    first_pass: Timed | None
    line_of: np.ndarray
    pos_of: np.ndarray
    lower: np.ndarray
    options: Decoding


def earliest_bounds(model: Model, min_start: list[int] | None) -> np.ndarray:
    """Each lot's earliest start before the plan: its release, or ``min_start`` when later
    (the ``lower`` of :func:`decode`)."""
    rel = np.asarray(model.release, dtype=np.int64)
    return rel.copy() if min_start is None else np.maximum(rel, np.asarray(min_start))


def insertion_base(
    model: Model,
    seqs: list[list[int]],
    min_start: list[int] | None,
    options: Decoding = EARLIEST,
) -> InsertionBase:
    """Decode ``seqs`` once for :func:`decode_insertion` (as :func:`decode` does with
    ``options``)."""
    kd = model.kernel()
    lower = earliest_bounds(model, min_start)
    flat, ptr = kernels.pack(seqs)
    one = _forward(model, kd, flat, ptr, lower, options.stay)
    first = Timed(  # the kernel's arrays, not yet turned into lists
        flat,
        ptr,
        np.asarray(one.start),
        np.asarray(one.end),
        np.asarray(one.co_start),
        one.error,
    )
    tou = options.tou_margin is not None and bool(model.peak)
    usable = one.error is None and not tou
    if usable and _lag_violation(kd, one) < 0:
        decoded = first  # no rest window to repair: the first pass is the decode
    else:
        dec = decode(model, seqs, min_start, options=options)
        decoded = Timed(
            flat,
            ptr,
            np.asarray(dec.start, dtype=np.int64),
            np.asarray(dec.end, dtype=np.int64),
            np.asarray(dec.co_start, dtype=np.int64),
            dec.error,
        )
    sizes = np.diff(ptr)
    line_of = np.full(model.n, -1, dtype=np.int64)
    pos_of = np.full(model.n, -1, dtype=np.int64)
    line_of[flat] = np.repeat(np.arange(model.m, dtype=np.int64), sizes)
    pos_of[flat] = np.arange(len(flat), dtype=np.int64) - np.repeat(ptr[:-1], sizes)
    return InsertionBase(decoded, first if usable else None, line_of, pos_of, lower, options)


_NO_ARRAY = np.zeros(0, dtype=np.int64)


def decode_insertion(model: Model, base: InsertionBase, ln: int, p: int, lot: int) -> Timed | None:
    """The times :func:`decode` gives the base's sequences with ``lot`` inserted at position
    ``p`` of line ``ln`` (``error`` set when they are infeasible), or None when only a full
    decode can tell (no usable first pass, or a rest window the full decode would repair)."""
    one = base.first_pass
    if one is None:
        return None
    kd = model.kernel()
    stay = base.options.stay
    flat, ptr, start, end, cos, err, _culprit = kernels.insert_forward(
        kd,
        one.flat,
        one.ptr,
        base.line_of,
        base.pos_of,
        one.start,
        one.end,
        one.co_start,
        ln,
        p,
        lot,
        base.lower,
        _NO_ARRAY if stay is None else stay,
        stay is not None,
        model.horizon,
    )
    timed = Timed(flat, ptr, start, end, cos, kernels.ERRORS.get(err))
    if timed.error is None and kernels.lag_repairs(kd, start, end, _NO_ARRAY, False)[1] >= 0:
        return None  # the full decode delays a predecessor here
    return timed
