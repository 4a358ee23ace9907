"""Compact, lossless storage of 1 Hz mixing curves (five signals per batch).

Measured on realistic 200 s curves (``benchmarks/execution_ingest.py``, docs/benchmarks/):
zlib of the raw float64 arrays ≈ 2.1 KB, of the JSON ≈ 1.8 KB, and this codec ≈ 1.1 KB.
PLCs report at a fixed resolution (0.1 kW, 0.1 °C, 0.01 bar), so each signal is stored as
integers at the smallest decimal scale that represents every value exactly, delta-encoded
(neighbouring samples differ little), byte-shuffled (the high bytes of small deltas are all
0x00/0xFF and compress to nothing) and zlib-compressed. A signal that no scale up to 10^6
represents exactly is kept as float64, so decoding always gives back the values sent.

The blob lives in ``batch_curve`` beside the batch row and is written in the same transaction:
a record and its curve cannot disagree after a crash (see the module docstring of
:mod:`mixshare.execution.service`).

Layout (little endian): ``b"MC1"``, samples (uint32), signal count (uint8), then per signal
its scale exponent (int8; -1: float64), then the zlib stream of all signals' payloads.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from mixshare.execution.samples import SIGNALS

MAGIC = b"MC1"
CODEC = "scaled-delta-shuffle-zlib/1"
MAX_EXPONENT = 6
FLOAT64 = -1
_INT32 = np.iinfo(np.int32)


_SCALES = 10.0 ** np.arange(MAX_EXPONENT + 1)


def _exponents(values: npt.NDArray[np.float64]) -> list[int]:
    """Per signal (row), the smallest decimal exponent e with values × 10^e whole and deltas
    within int32; ``FLOAT64`` if there is none. All exponents are tried at once (a few numpy
    calls per batch instead of a few per signal and exponent)."""
    scaled = values[None, :, :] * _SCALES[:, None, None]
    whole = np.rint(scaled)
    exact = np.all(whole / _SCALES[:, None, None] == values[None, :, :], axis=2)
    deltas = np.abs(np.diff(whole, axis=2, prepend=0.0)).max(axis=2, initial=0.0)
    usable = exact & (deltas <= _INT32.max)
    return [int(np.argmax(row)) if row.any() else FLOAT64 for row in usable.T]


def _shuffled(array: npt.NDArray[np.generic]) -> bytes:
    width = array.dtype.itemsize
    return array.view(np.uint8).reshape(-1, width).T.tobytes()


def _unshuffled(data: bytes, dtype: str, count: int) -> npt.NDArray[np.generic]:
    width = np.dtype(dtype).itemsize
    planes = np.frombuffer(data, dtype=np.uint8).reshape(width, count)
    return planes.T.copy().view(dtype).reshape(count)


def encode(signals: Mapping[str, Sequence[float]]) -> bytes:
    """The blob of the five signals (all the same length; the ingest service checks that)."""
    values = np.array([signals[name] for name in SIGNALS], dtype=np.float64)
    values = values.reshape(len(SIGNALS), -1)
    count = values.shape[1]
    exponents = _exponents(values) if count else [0] * len(SIGNALS)
    scales = np.array([0.0 if e == FLOAT64 else 10.0**e for e in exponents])
    whole = np.rint(values * scales[:, None]).astype(np.int64)
    deltas = np.diff(whole, axis=1, prepend=0).astype("<i4")
    planes = deltas.view(np.uint8).reshape(len(SIGNALS), count, 4).transpose(0, 2, 1)
    payload = [
        _shuffled(row.astype("<f8")) if exponent == FLOAT64 else plane.tobytes()
        for row, plane, exponent in zip(values, planes, exponents, strict=True)
    ]
    header = MAGIC + struct.pack("<IB", count, len(SIGNALS))
    header += struct.pack(f"<{len(SIGNALS)}b", *exponents)
    return header + zlib.compress(b"".join(payload), 6)


def decode(blob: bytes) -> dict[str, list[float]]:
    """The signals as they were sent, by name."""
    if blob[:3] != MAGIC:
        raise ValueError("not a mixshare curve blob")
    count, signals = struct.unpack_from("<IB", blob, 3)
    exponents = struct.unpack_from(f"<{signals}b", blob, 8)
    data = zlib.decompress(blob[8 + signals :])
    result: dict[str, list[float]] = {}
    offset = 0
    for name, exponent in zip(SIGNALS, exponents, strict=True):
        dtype = "<f8" if exponent == FLOAT64 else "<i4"
        size = count * np.dtype(dtype).itemsize
        array = _unshuffled(data[offset : offset + size], dtype, count)
        offset += size
        if exponent == FLOAT64:
            result[name] = array.astype(np.float64).tolist()
        else:
            whole = np.cumsum(array.astype(np.int64))
            result[name] = (whole / 10.0**exponent).tolist()
    return result


def integral_kwh(power_kw: Sequence[float], hz: float) -> float:
    """Energy of a power signal sampled at ``hz``: the sum of samples × sample period, in kWh
    (the rectangle rule: what a PLC's energy counter adds up between samples)."""
    return float(np.sum(np.asarray(power_kw, dtype=np.float64))) / hz / 3600.0
