"""Makespan mode for the public UPMSP-SDST benchmark: reader, evaluator, solver, CLI."""

from __future__ import annotations

import csv
import gzip
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mixshare.benchsolvers import upmsp_kernels as kern
from mixshare.benchsolvers.upmsp import (
    Instance,
    instance_name,
    lower_bound,
    makespan,
    parse_instance,
    parse_solution,
    read_instance,
    solve,
)
from mixshare.benchsolvers.upmsp_search import Params, iterated_greedy, padded, warm_up

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "upmsp-sdst"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared benchmark data absent")

# n=3 jobs, m=2 machines. Job lines: "0 p[0][j] 1 p[1][j]"; then one 3x3 setup matrix per machine.
TINY = """3 2 1
2
0 2 1 5
0 3 1 1
0 4\t1 2
SSD
M0
0 1 2
3 0 4
5 6 0
M1
0 7 1
2 0 3
4 1 0
"""


def _bk(names: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for ref in ("reference.csv", "reference-xlarge.csv"):
        with (SHARED / ref).open() as fh:
            out |= {
                r["instance"]: int(r["best_known"])
                for r in csv.DictReader(fh)
                if r["instance"] in names
            }
    return out


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    """Compile the kernels first (scripts/setup does it too) so no time limit pays for it."""
    warm_up()


@pytest.fixture
def tiny() -> Instance:
    return parse_instance(TINY, "tiny.txt")


# ----------------------------------------------------------------------------- reader


def test_reader_tiny(tiny: Instance) -> None:
    assert (tiny.name, tiny.n, tiny.m) == ("tiny", 3, 2)
    assert tiny.p.tolist() == [[2, 3, 4], [5, 1, 2]]
    assert tiny.setup[0].tolist() == [[0, 1, 2], [3, 0, 4], [5, 6, 0]]
    assert tiny.setup[1, 0, 1] == 7  # row i = predecessor, column j = successor


def test_reader_crlf_file(tmp_path: Path, tiny: Instance) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(TINY.replace("\n", "\r\n").encode())
    inst = read_instance(path)
    assert (inst.p == tiny.p).all() and (inst.setup == tiny.setup).all()


def test_reader_gzip_file(tmp_path: Path, tiny: Instance) -> None:
    path = tmp_path / "I_3_2_S_1-9_1.txt.gz"
    path.write_bytes(gzip.compress(TINY.encode()))
    inst = read_instance(path)
    assert inst.name == "I_3_2_S_1-9_1"  # both suffixes dropped
    assert (inst.p == tiny.p).all() and (inst.setup == tiny.setup).all()


def test_reader_rejects_broken_gzip(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt.gz"
    path.write_bytes(gzip.compress(TINY.encode())[:40])
    with pytest.raises(ValueError, match=r"broken\.txt\.gz"):
        read_instance(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "truncated"),
        (TINY.replace("3 2 1\n2\n", "3 2 1\n3\n"), "second line says 3"),
        (TINY.replace("0 3 1 1", "0 3 2 1"), "machine indices"),
        (TINY.replace("SSD", "XYZ"), "expected 'SSD'"),
        (TINY.replace("M1", "M2"), "'M1'"),
        (TINY.replace("6 0", "6 x"), "non-integer"),
        (TINY.rsplit("\n", 2)[0], "truncated"),
        (TINY + "7\n", "trailing"),
        (TINY.replace("0 2 1 5", "0 -2 1 5"), "negative"),
    ],
)
def test_reader_rejects_malformed(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        read_instance(path)
    assert "bad.txt" in str(info.value)  # the error names the file


# ----------------------------------------------------------------------------- evaluator


def test_makespan_hand_computed(tiny: Instance) -> None:
    # M0 runs job 2 then job 0: p0[2] + p0[0] + S0[2][0] = 4 + 2 + 5 = 11 (no setup before job 2)
    # M1 runs job 1 alone: p1[1] = 1
    assert makespan(tiny, [[2, 0], [1]]) == 11
    # M0 runs 0 then 2: 2 + 4 + S0[0][2] = 2 + 4 + 2 = 8; M1 runs 1: 1  -> C_max 8
    assert makespan(tiny, [[0, 2], [1]]) == 8
    # M0 runs 0: 2; M1 runs 1 then 2: 1 + 2 + S1[1][2] = 1 + 2 + 3 = 6  -> C_max 6
    assert makespan(tiny, [[0], [1, 2]]) == 6


def test_makespan_rejects_non_partition(tiny: Instance) -> None:
    with pytest.raises(ValueError):
        makespan(tiny, [[0, 1], [1, 2]])  # job 1 twice
    with pytest.raises(ValueError):
        makespan(tiny, [[0, 1, 2]])  # one sequence for two machines


def test_tiny_optimum(tiny: Instance) -> None:
    # M0 runs 0: 2; M1 runs 2 then 1: 2 + 1 + S1[2][1] = 2 + 1 + 1 = 4  -> C_max 4.
    # 3 is impossible: job 2 must go to M1 (p0 = 4 > 3); job 1 joining it costs >= 1 + 1 more,
    # and job 1 on M0 (p = 3) leaves job 0 nowhere (M0: 3 + 2 + setup, M1: p1[0] = 5).
    assert makespan(tiny, [[0], [2, 1]]) == 4
    res = solve(tiny, 1.0)
    assert res.makespan == makespan(tiny, res.assignment) == 4
    # the heuristic alone (no DP) finds it too
    assert iterated_greedy(tiny.p, tiny.setup, time_limit=1, max_iterations=20).makespan == 4
    assert lower_bound(tiny) <= 4


# ----------------------------------------------------------------------------- solver

SMALL = ["I_12_5_S_1-99_3", "I_12_2_S_1-124_7", "I_10_3_S_1-49_2", "I_8_4_S_1-9_5"]


@needs_shared
@pytest.mark.parametrize("exact", [True, False])
def test_solver_reaches_known_optima(exact: bool) -> None:
    best = _bk(SMALL)
    for name in SMALL:
        inst = read_instance(SHARED / "instances" / "small" / f"{name}.txt")
        res = solve(inst, 1.0, workers=1, exact=exact)
        assert makespan(inst, res.assignment) == best[name], name  # judged independently
        assert lower_bound(inst) <= best[name]


def _machine_time(p: np.ndarray, setup: np.ndarray, k: int, seq: list[int]) -> int:
    return sum(int(p[k, j]) for j in seq) + sum(
        int(setup[k, a, b]) for a, b in itertools.pairwise(seq)
    )


def _improving_neighbours(p: np.ndarray, setup: np.ndarray, seqs: list[list[int]]) -> list[str]:
    """Every relocation or swap the descent promises to have exhausted, found by brute force.

    A move improves when both machines it touches end strictly below C_max and it either takes
    a machine off C_max (the source of a relocation, either machine of a swap) or lowers the
    total completion time (the rule of ``upmsp_kernels._rank``).
    """
    times = [_machine_time(p, setup, k, s) for k, s in enumerate(seqs)]
    cmax, found = max(times), []

    def improves(k: int, t: int, new_k: list[int], new_t: list[int], swap: bool) -> bool:
        yk = _machine_time(p, setup, k, new_k)
        yt = _machine_time(p, setup, t, new_t) if t != k else yk
        old = times[k] + (times[t] if t != k else 0)
        new = yk + (yt if t != k else 0)
        crit = max(times[k], times[t]) if swap else times[k]
        return max(yk, yt) < cmax and (crit == cmax or new < old)

    for k, sk in enumerate(seqs):
        for i, u in enumerate(sk):
            rest = sk[:i] + sk[i + 1 :]
            for t, st in enumerate(seqs):
                target = rest if t == k else st
                for q in range(len(target) + 1):
                    moved = [*target[:q], u, *target[q:]]
                    if improves(k, t, rest if t != k else moved, moved, swap=False):
                        found.append(f"move {u} to machine {t} at {q}")
                for r, v in enumerate(st if t > k else []):
                    swapped = [*sk[:i], v, *sk[i + 1 :]], [*st[:r], u, *st[r + 1 :]]
                    if improves(k, t, *swapped, swap=True):
                        found.append(f"swap {u} and {v}")
    return found


@pytest.mark.parametrize("seed", range(6))
def test_descent_ends_where_no_move_improves(seed: int) -> None:
    """The descent caches each machine pair's best move; a stale cache would stop it early.

    Started from a random schedule the descent takes many steps, C_max falls many times and
    machines reach the C_max level untouched: the cases where a cached pair goes stale.
    """
    rng = np.random.default_rng(seed)
    n, m = 30, 3 + seed % 4
    p = rng.integers(1, 40, size=(m, n))
    setup = rng.integers(0, 30, size=(m, n, n))
    P, S, T = padded(p, setup)
    seq, ln = np.zeros((m, n), dtype=np.int64), np.zeros(m, dtype=np.int64)
    for j in rng.permutation(n):
        k = rng.integers(m)
        seq[k, ln[k]] = j
        ln[k] += 1
    c = np.array([kern.machine_cost(P, S, seq, ln, k) for k in range(m)], dtype=np.int64)
    kern.local_search(P, S, T, seq, ln, c, np.zeros(2, dtype=np.int64))
    seqs = [seq[k, : ln[k]].tolist() for k in range(m)]
    assert c.tolist() == [_machine_time(p, setup, k, s) for k, s in enumerate(seqs)]
    assert sorted(itertools.chain(*seqs)) == list(range(n))
    assert _improving_neighbours(p, setup, seqs) == []
    # the search's results (after destroy / reinsert / descent) are local optima too
    res = iterated_greedy(p, setup, time_limit=60, seed=seed, max_iterations=5)
    assert _improving_neighbours(p, setup, res.assignment) == []


def test_temperature_cools_only_above_a_hundred_jobs() -> None:
    """Up to 100 jobs the measured Ruiz & Stützle temperature; above it shrinks as 100 / n."""
    params = Params()
    assert params.temperature_for(50, 40.0) == params.temperature_for(100, 40.0) == 2.0
    assert params.temperature_for(250, 40.0) == pytest.approx(0.8)


@needs_shared
def test_search_is_deterministic_for_a_seed() -> None:
    inst = read_instance(SHARED / "instances" / "large" / "I_50_10_S_1-49_1.txt")
    runs = [
        iterated_greedy(inst.p, inst.setup, time_limit=60, seed=3, max_iterations=25)
        for _ in range(2)
    ]
    assert runs[0].assignment == runs[1].assignment
    assert makespan(inst, runs[0].assignment) == runs[0].makespan


@needs_shared
def test_search_result_does_not_depend_on_the_clock() -> None:
    """The kernel runs in time-sized chunks; a fixed seed and iteration cap give one answer."""
    inst = read_instance(SHARED / "instances" / "large" / "I_100_20_S_1-124_1.txt")
    a = iterated_greedy(inst.p, inst.setup, time_limit=60, seed=5, max_iterations=300)
    b = iterated_greedy(inst.p, inst.setup, time_limit=60, seed=5, max_iterations=300)
    c = iterated_greedy(inst.p, inst.setup, time_limit=60, seed=6, max_iterations=300)
    assert a.assignment == b.assignment and a.iterations == 300
    assert a.evaluations == b.evaluations > 0
    assert makespan(inst, c.assignment) == c.makespan


@needs_shared
def test_xlarge_gzipped_instances_solved_and_judged() -> None:
    """Every xlarge file reads from .txt.gz; the schedules pass the independent evaluator."""
    files = sorted((SHARED / "instances" / "xlarge").glob("*.txt.gz"))
    assert len(files) == 8
    best = _bk([instance_name(f) for f in files])
    assert len(best) == 8
    for f in files[:: len(files) - 1]:  # the smallest and the largest name: 150 and 250 jobs
        inst = read_instance(f)
        assert inst.n in (150, 250) and inst.m in (10, 20)
        res = solve(inst, 2.0, workers=1)
        assert makespan(inst, res.assignment) == res.makespan  # judged independently
        assert res.lower_bound <= best[inst.name] <= res.makespan
        assert res.evaluations > 0


@needs_shared
def test_cpu_clock_counts_the_worker_cpu_seconds() -> None:
    inst = read_instance(SHARED / "instances" / "large" / "I_50_10_S_1-49_1.txt")
    res = solve(inst, 0.5, workers=1, cpu_clock=True, checkpoints=(0.2,))
    assert 0.4 <= res.cpu_seconds <= 1.5 and res.seconds >= res.cpu_seconds - 0.1
    assert makespan(inst, res.assignment) == res.makespan <= res.checkpoints[0.2]


@needs_shared
def test_large_instance_two_workers_within_limit() -> None:
    inst = read_instance(SHARED / "instances" / "large" / "I_100_20_S_1-49_1.txt")
    res = solve(inst, 2.0, workers=2, checkpoints=(1.0,))
    assert res.seconds < 2.5
    assert makespan(inst, res.assignment) == res.makespan >= res.lower_bound
    assert res.checkpoints[1.0] >= res.makespan


# ----------------------------------------------------------------------------- CLI


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mixshare.bench_cli", "upmsp", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


@needs_shared
def test_cli_csv_and_solution_files(tmp_path: Path) -> None:
    files = [
        SHARED / "instances" / "small" / "I_12_5_S_1-99_3.txt",
        SHARED / "instances" / "large" / "I_50_10_S_1-9_1.txt",
    ]
    out = _cli(*map(str, files), "--time-limit", "1", "--solutions", str(tmp_path / "sol"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "instance,makespan,seconds"
    rows = list(csv.DictReader(lines))
    assert [r["instance"] for r in rows] == ["I_12_5_S_1-99_3", "I_50_10_S_1-9_1"]
    for f, row in zip(files, rows, strict=True):
        inst = read_instance(f)
        text = (tmp_path / "sol" / f"{inst.name}.txt").read_text()
        assignment = parse_solution(text, inst.m)
        assert len(text.splitlines()) == inst.m
        assert makespan(inst, assignment) == int(row["makespan"])
        assert float(row["seconds"]) < 1.6
    assert rows[0]["makespan"] == "75"  # the README's corrected optimum


@needs_shared
def test_cli_reads_gzipped_instance(tmp_path: Path) -> None:
    f = SHARED / "instances" / "xlarge" / "I_150_20_S_1-49_1.txt.gz"
    out = _cli(str(f), "--time-limit", "1", "--workers", "1", "--solutions", str(tmp_path))
    assert out.returncode == 0, out.stderr
    row = next(csv.DictReader(out.stdout.splitlines()))
    assert row["instance"] == "I_150_20_S_1-49_1"
    inst = read_instance(f)
    assignment = parse_solution((tmp_path / "I_150_20_S_1-49_1.txt").read_text(), inst.m)
    assert makespan(inst, assignment) == int(row["makespan"])


def test_cli_reports_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.txt"
    bad.write_text("3 2 1\n2\n0 1")
    out = _cli(str(bad), "--time-limit", "1")
    assert out.returncode == 2
    assert "broken.txt" in out.stderr and out.stdout == ""
