"""Rest windows (max lags) must not cascade into dropped orders (lead's bug on the demo).

The old list scheduler only let a lot whose rest window was closing jump the queue when it was
also in the active set; a successor behind a long changeover never was, so it ran far too late,
the decoder then delayed its predecessor (and every lot after it on the line) until lots fell
off the horizon, and ``finalize`` dropped those innocent orders one at a time.
"""

from __future__ import annotations

from mixshare.engine.construct import finalize
from mixshare.engine.dispatch import dispatch
from mixshare.engine.model import compile_problem, decode
from mixshare.engine.problem import Chain, Changeover, Problem
from mixshare.engine.search import solve

from .conftest import Matrix, judged, line, lot

N_OTHER = 40


def _instance(horizon: int = 500) -> Problem:
    # One line. Order "o": MB (key M, 10 min) then FB (key F, 10 min), rest window [0, 200].
    # Forty other orders are single 10-min lots of key M, all due at the same time as "o".
    # M->F and F->M cost 30 min, M->M nothing. Every order fits: MB_o, FB_o, then the forty
    # M lots need 10 + 30 + 10 + 30 + 400 = 480 <= 500 min. Under EDD (ties by index) the
    # M lots are always "active" ahead of FB_o (their completion t + 10 comes before FB_o's
    # earliest start t + 30), so the old rule ran FB_o after all of them, ~440 min after MB_o.
    mx: Matrix = {"M": {"F": Changeover(30)}, "F": {"M": Changeover(30)}}
    lots = [lot("o/MB", 10, "M", order="o"), lot("o/FB", 10, "F", order="o", due=200)]
    lots += [lot(f"x{k:02d}", 10, "M", due=200) for k in range(N_OTHER)]
    return Problem(
        horizon=horizon,
        lines=(line("A", mx),),
        lots=tuple(lots),
        chains=(Chain("o/MB", "o/FB", 0, 200),),
    )


def test_dispatch_meets_rest_window_without_dropping_orders() -> None:
    p = _instance()
    s = dispatch(p)
    judged(p, s)
    assert s.unplanned == ()
    start = {x.lot: x for x in s.lots}
    assert start["o/FB"].start - start["o/MB"].end <= 200


def test_engine_plans_every_order() -> None:
    p = _instance()
    s = solve(p, time_limit=5.0, workers=1, iterations=20)
    judged(p, s)
    assert s.unplanned == ()


def test_decode_blames_the_successor_and_finalize_moves_it() -> None:
    # Sequence MB_o, forty M lots, FB_o: FB_o starts 440 min after MB_o ends. Repairing by
    # delaying MB_o pushes the forty lots behind it off the horizon; the culprit named must be
    # FB_o (not whichever innocent lot falls off), and finalize must move FB_o forward instead
    # of dropping any order.
    p = _instance()
    m = compile_problem(p)
    seq = [m.index["o/MB"]] + [m.index[f"x{k:02d}"] for k in range(N_OTHER)] + [m.index["o/FB"]]
    dec = decode(m, [seq])
    assert dec.error is not None and dec.error.startswith("max lag")
    assert dec.culprit == m.index["o/FB"]
    seqs, dec2, excluded = finalize(m, [seq], set())
    assert dec2.error is None and excluded == set()
    assert sum(len(q) for q in seqs) == m.n


def test_starvation_window_lets_a_lot_behind_a_long_changeover_compete() -> None:
    # Line A starts in key M. Forty 10-min M lots (due 1000) and one F lot "y" (10 min, due
    # 100); M->F and F->M take 30 min. In the plain active set "y" (earliest start t + 30) never
    # competes while an M lot (done at t + 10) waits, so it runs last, ~400 min late. With the
    # starvation window its soft due (100) is near, it competes on readiness, EDD picks it first
    # and it ends at 40 (30 changeover + 10), on time.
    from mixshare.engine.construct import construct, edd_rule

    mx: Matrix = {"M": {"F": Changeover(30)}, "F": {"M": Changeover(30)}}
    lots = [lot(f"x{k:02d}", 10, "M", due=1000) for k in range(N_OTHER)]
    lots.append(lot("y", 10, "F", due=100))
    p = Problem(horizon=1000, lines=(line("A", mx, initial_key="M"),), lots=tuple(lots))
    m = compile_problem(p)
    y = m.index["y"]
    plain, _ = construct(m, edd_rule(m))
    assert plain[0][-1] == y
    windowed, _ = construct(m, edd_rule(m), window=720)
    assert windowed[0][0] == y
    _seqs, dec, excluded = finalize(m, windowed, set())
    assert excluded == set() and dec.end[y] == 40
