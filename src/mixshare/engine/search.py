"""Anytime planning engine: constructive portfolio + iterated-greedy large-neighbourhood search.

1. Construction: the EDD dispatch plus ATCS list schedules with several look-ahead parameters
   (and, when re-planning, the previous plan itself); the best seeds the search.
2. Search (one process per worker, different seeds): destroy about a dozen lots (random, a
   segment of one line, a campaign of one setup key, late lots, whole orders), re-insert each at
   its best position. Positions are screened with NumPy-vectorised tardiness and setup deltas
   (shift propagation through idle gaps), the best few are decoded exactly. Unplanned orders
   are retried regularly. Accept equal-or-better, restart from the best after stagnation.
3. Phases. Money objective (default): one sum in yuan throughout; with ``energy_aware`` the
   last share of the time destroys lots in peak hours more often (same objective, no caps).
   Lexicographic objective: the first share of the time minimises the weighted objective
   (tardiness first); the next minimises changeovers with tardiness allowed to grow by a
   tolerance; with ``energy_aware`` the last minimises the weighted objective with energy
   (changeovers and energy traded by their weights) with weighted tardiness capped at what
   the earlier phases reached, and lots in peak hours are destroyed more often. TOU-aware
   runs price energy and decode with a TOU slack margin (a lot waits past a peak period where
   it has slack) from the start; a final exact re-timing (:mod:`mixshare.engine.timing`)
   places the idle time.
4. A lower bound (:mod:`mixshare.engine.bound`) is reported with every plan.

The knobs of all this (time splits, destroy sizes and probabilities, restarts, screening
windows, the construction portfolio, TOU margins) are one :class:`~mixshare.engine.params.
SearchParams` passed to :func:`solve` and on to every helper (each value and what it rests on
in :mod:`~mixshare.engine.params`; docs/engine.md maps where each acts); decode options travel
as a :class:`~mixshare.engine.model.Decoding`.

Determinism: with ``iterations`` set the run does a fixed amount of work and its plan depends
only on the problem and ``seed``, never on the clock or the machine's load: every worker runs
exactly that many iterations, the construction portfolio and the placing of unplanned orders
run to completion, the lower bound skips its time-limited CP-SAT relaxation and the helpers'
results are awaited (a lost helper's share is redone in-process). It takes as long as it
takes. With only a time limit the run is anytime and not reproducible.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice

import numpy as np

from mixshare.engine.bound import lower_bound
from mixshare.engine.construct import Rule, atcs_rule, construct, edd_rule, finalize
from mixshare.engine.dispatch import dispatch_model
from mixshare.engine.insertion import InsertionBase, Timed, decode_insertion, insertion_base
from mixshare.engine.kernels import add_push_costs
from mixshare.engine.model import (
    EARLIEST,
    NO_DUE,
    Cost,
    Decoded,
    Decoding,
    Model,
    check_structure,
    compile_problem,
    decode,
    evaluate,
    evaluate_flat,
    stage_rank,
    stay_starts,
    to_schedule,
)
from mixshare.engine.params import SearchParams
from mixshare.engine.pool import LocalPool, WorkerPool, default_pool, worker_seed
from mixshare.engine.problem import InfeasibleProblem, Problem
from mixshare.engine.solution import Schedule
from mixshare.engine.timing import retime
from mixshare.engine.validate import validate

Progress = Callable[[float, float], None]
PhaseHook = Callable[[str, Schedule], None]
PHASES = ("weighted", "changeovers", "energy")
INF = float("inf")


@dataclass(frozen=True)
class Caps:
    """Limits of a lexicographic phase: a plan above either is (nearly) never accepted.

    With ``tolerance`` tardiness inside its cap is only a tie-break (the changeover phase);
    otherwise the full weighted objective is minimised under the caps (the energy phase).
    """

    tardiness: float
    unplanned: int
    tolerance: bool = True


@dataclass
class Sol:
    seqs: list[list[int]]
    excluded: set[int]
    cost: float


class Search:
    """Iterated greedy on per-line sequences of one compiled model."""

    def __init__(
        self,
        model: Model,
        seed: int,
        energy: bool,
        min_start: list[int] | None,
        decoding: Decoding = EARLIEST,
        params: SearchParams | None = None,
    ) -> None:
        self.model = model
        self.params = params or SearchParams()
        # how sequences are timed (stay rule, TOU margin): every evaluation decodes with it
        self.decoding = decoding
        self.rng = random.Random(seed)
        self.energy = energy
        self.min_start = min_start
        w = model.w
        self.wt = w.tardiness
        # lexicographic phases (changeovers, energy): their caps; None: weighted objective
        self.caps: Caps | None = None
        # energy phase: half the destroys take lots running in the most expensive hours
        self.peak_focus = False
        self.replan = bool(model.previous)
        m = model
        self.co = [np.array(m.co_min[ln], dtype=np.int64) for ln in range(m.m)]
        self.sw = []  # weighted setup cost per (from, to), inf when forbidden
        for ln in range(m.m):
            sw = (
                w.changeover_minute * self.co[ln]
                + w.cleaning_batch * np.array(m.co_clean[ln], dtype=np.float64)
                + w.changeover_cost * np.array(m.co_cost[ln], dtype=np.float64)
            )
            self.sw.append(np.where(self.co[ln] < 0, INF, sw))
        self.keys = np.array(m.key, dtype=np.int64)
        self.due = np.array(m.due, dtype=np.float64)
        self.w = np.array(m.weight, dtype=np.float64)
        # a chain predecessor (MB, RM) is inserted against its order's due minus the stages
        # still to come, or best insertion would put it where its successors no longer fit
        self.sdue = np.array(m.soft_due, dtype=np.float64)
        self.rank = stage_rank(m)
        self.calls = 0
        self.anchors: dict[int, tuple[int, list[int]]] = {}
        self._kept: set[int] = set()
        self.fixed_orders = {m.order[i] for i in m.fixed}

    # -- evaluation ---------------------------------------------------------------------------
    def cost(
        self, seqs: list[list[int]], excluded: set[int], decoding: Decoding | None = None
    ) -> tuple[float, Decoded]:
        """The searched objective of the sequences decoded with ``decoding`` (default: the
        search's own), and the decoded times."""
        self.calls += 1
        dec = decode(self.model, seqs, self.min_start, options=decoding or self.decoding)
        if dec.error is not None:
            return INF, dec
        c = evaluate(self.model, seqs, dec, len(excluded), self.energy)
        return self._with_stuck(self.price(c), excluded), dec

    def _with_stuck(self, cost: float, excluded: set[int]) -> float:
        # an order with a frozen/locked lot may be left out only transiently (re-plan seed)
        stuck = sum(1 for o in excluded if o in self.fixed_orders)
        return cost + self.params.stuck_order_penalty * stuck

    def insertion_cost(
        self, sol: Sol, base: InsertionBase, ln: int, p: int, i: int
    ) -> tuple[float, int]:
        """:meth:`cost` of ``sol`` with lot ``i`` inserted at position ``p`` of line ``ln``
        (``sol`` is left as it is) and the lot's end there; only the lots the insertion can
        move are re-timed when that gives the full decode's times (:mod:`.insertion`)."""
        timed = decode_insertion(self.model, base, ln, p, i)
        if timed is None:
            sol.seqs[ln].insert(p, i)
            try:
                c, dec = self.cost(sol.seqs, sol.excluded)
            finally:
                del sol.seqs[ln][p]
            return c, dec.end[i] if c < INF else -1
        self.calls += 1
        if timed.error is not None:
            return INF, -1
        terms = evaluate_flat(
            self.model,
            timed.flat,
            timed.ptr,
            timed.start,
            timed.end,
            len(sol.excluded),
            self.energy,
        )
        return self._with_stuck(self.price(terms), sol.excluded), int(timed.end[i])

    def price(self, c: Cost) -> float:
        """The objective the search minimises: the weighted one, or that of a lexicographic
        phase under its caps (see :class:`Caps`)."""
        m = self.model
        w = m.w
        caps = self.caps
        if caps is None:
            return c.total(m, w)
        tot = c.total(m, replace(w, tardiness=w.tolerance_tardiness) if caps.tolerance else w)
        if c.tardiness > caps.tardiness + 1e-6 or c.unplanned_orders > caps.unplanned:
            tot += self.params.cap_penalty + w.tardiness * max(0.0, c.tardiness - caps.tardiness)
        return tot

    def set_caps(self, caps: Caps | None) -> None:
        self.caps = caps
        # the changeover phase screens tardiness at the changeover scale
        w = self.model.w
        self.wt = w.changeover_minute if caps is not None and caps.tolerance else w.tardiness

    def caps_around(self, sol: Sol, tolerance: float | None) -> Caps:
        """Caps at ``sol``'s own tardiness and unplanned orders: with ``tolerance`` for the
        changeover phase (tardiness may grow that much); without it for the energy phase,
        where changeovers and energy are traded by their weights but tardiness never grows."""
        self.set_caps(None)
        dec = decode(self.model, sol.seqs, self.min_start, options=self.decoding)
        c = evaluate(self.model, sol.seqs, dec, len(sol.excluded), self.energy)
        if tolerance is not None:
            return Caps((1.0 + tolerance) * c.tardiness, len(sol.excluded))
        return Caps(c.tardiness, len(sol.excluded), tolerance=False)

    # -- insertion -----------------------------------------------------------------------------
    def screen(
        self, ln: int, seq: list[int], dec: Timed, i: int, keep: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Approximate cost of inserting lot ``i`` at every position of line ``ln``, exact
        for the ``keep`` cheapest positions (others may show only a lower bound above them:
        see :func:`~mixshare.engine.kernels.add_push_costs`)."""
        m = self.model
        d = m.dur[ln][i]
        if d == 0:
            return np.empty(0, np.int64), np.empty(0)
        ln_len = len(seq)
        ki = m.key[i]
        sq = np.array(seq, dtype=np.int64)
        ks = self.keys[sq]
        prev_k = np.concatenate(([m.init_key[ln]], ks))
        co, sw = self.co[ln], self.sw[ln]
        m_in = co[prev_k, ki]
        s_in = sw[prev_k, ki]
        s_out = np.zeros(ln_len + 1)
        m_out = np.zeros(ln_len + 1, dtype=np.int64)
        s_old = np.zeros(ln_len + 1)
        if ln_len:
            s_out[:-1] = sw[ki, ks]
            m_out[:-1] = co[ki, ks]
            s_old[:-1] = sw[prev_k[:-1], ks]
        ok = (m_in >= 0) & (m_out >= 0)
        st = dec.start[sq]
        en = dec.end[sq]
        cs = dec.co_start[sq]
        prev_end = np.concatenate(([0], en))
        ready = max(
            [m.release[i]] + [dec.end[p] + mn for p, mn, _ in m.preds[i] if dec.start[p] >= 0]
        )
        e_i = np.maximum(ready, prev_end + np.maximum(m_in, 0)) + d
        # lot i must end before its chain successors (already placed) start
        lim = min([dec.start[s] - mn for s, mn, _ in m.succs[i] if dec.start[s] >= 0] + [NO_DUE])
        ok &= e_i <= lim
        cost = s_in + s_out - s_old + self.wt * self.w[i] * np.maximum(0, e_i - self.sdue[i])
        if self.energy and m.kwh[ln][i] > 0:  # the lot's own energy where it would run
            pc = m.price_cum
            e_c = np.minimum(e_i, m.horizon)
            cost += m.w.energy_cost * m.kwh[ln][i] / d * (pc[e_c] - pc[np.maximum(e_c - d, 0)])
        ok &= e_i <= m.horizon
        if not ln_len:
            return np.arange(1), np.where(ok, cost, INF)
        shift0 = np.maximum(0, e_i[:-1] + m_out[:-1] - st)  # shift of the lot at position p
        gc = np.cumsum(np.concatenate(([0], cs[1:] - en[:-1])))  # idle gaps before each lot
        # the push must not carry the line's last lot past the horizon
        ok[:-1] &= en[-1] + np.maximum(0, shift0 - (gc[-1] - gc)) <= m.horizon
        # re-planning: every pushed lot of the previous plan costs the moved-lot weight
        mv = self.model.w.moved_lot / max(self.wt, 1e-9) if self.replan else 0.0
        # pushes are absorbed by idle time within a few dozen lots (SearchParams.push_window)
        full: np.ndarray = add_push_costs(
            np.where(ok, cost, INF),
            keep,
            float(self.wt),
            shift0.astype(np.int64),
            gc.astype(np.int64),
            en,
            self.due[sq],
            self.w[sq],
            mv,
            self.params.push_window,
        )
        return np.arange(ln_len + 1), full

    def insert(self, sol: Sol, i: int, wide: int = 0) -> bool:
        """Insert lot ``i`` at its best exactly evaluated position among the screened few
        (:attr:`SearchParams.insert_best`); ``wide`` > 0 also tries that many more positions,
        screened infeasible ones included."""
        best_k = self.params.insert_best
        self.calls += 1
        base = insertion_base(self.model, sol.seqs, self.min_start, self.decoding)
        dec = base.decoded
        if dec.error is not None:
            return False
        cands: list[tuple[float, int, int]] = []
        for ln, seq in enumerate(sol.seqs):
            pos, approx = self.screen(ln, seq, dec, i, 4 * best_k + wide)
            if pos.size == 0:
                continue
            top = np.argsort(approx, kind="stable")[: 4 * best_k + wide]
            cands.extend(
                (float(approx[t]), ln, int(pos[t])) for t in top if approx[t] < INF or wide
            )
        cands.sort()
        anchor = self._anchor_position(base, i)
        if anchor is not None:  # where it was before the destroy: nearly always feasible
            cands.insert(min(best_k + 1, len(cands)), (0.0, anchor[0], anchor[1]))
        best: tuple[float, int, int, float] | None = None
        m = self.model
        soft = m.due[i] >= NO_DUE and m.soft_due[i] < NO_DUE
        tried = 0
        for _a, ln, p in cands:
            if tried >= best_k + 2 and (best is not None or tried >= 4 * (best_k + 1) + wide):
                break
            tried += 1
            c, end_i = self.insertion_cost(sol, base, ln, p, i)
            if c >= INF:
                continue
            # surrogate: a predecessor late against its soft due makes its order late later
            rank = c
            if soft:
                rank += self.wt * self.w[i] * max(0, end_i - m.soft_due[i])
            if best is None or rank < best[3]:
                best = (c, ln, p, rank)
        if best is None:
            return False
        sol.seqs[best[1]].insert(best[2], i)
        sol.cost = best[0]
        return True

    def _anchor_position(self, base: InsertionBase, i: int) -> tuple[int, int] | None:
        """Just after the nearest of the lots that ran before ``i`` on its line that is still
        there (the base's positions: no pass over the line, 9 % of the month's search)."""
        a = self.anchors.get(i)
        if a is None:
            return None
        ln, before = a
        if self.model.dur[ln][i] == 0:
            return None
        for j in before:
            if base.line_of[j] == ln:
                return ln, int(base.pos_of[j]) + 1
        return ln, 0

    def remember(self, seqs: list[list[int]], chosen: set[int]) -> None:
        """Record each chosen lot's line and the lots before it, for :meth:`insert`."""
        self.anchors = {}
        for ln, seq in enumerate(seqs):
            for k, i in enumerate(seq):
                if i in chosen:
                    back = self.params.anchor_lookback
                    self.anchors[i] = (ln, seq[max(0, k - back) : k][::-1])

    # -- destroy -------------------------------------------------------------------------------
    def destroy(self, sol: Sol, k: int) -> list[int]:
        m, rng, par = self.model, self.rng, self.params
        self.anchors = {}
        placed = [i for s in sol.seqs for i in s if i not in m.fixed]
        if not placed:
            return []
        op = rng.random()
        if self.replan:
            chosen = self._replan_pool(sol, placed, k)
        elif (self.caps is not None or self.peak_focus) and op < par.focus_share:
            tol = self.caps is not None and self.caps.tolerance
            chosen = self._setup_pool(sol, k) if tol else self._peak_pool(sol, k)
        elif op < par.random_below:
            chosen = set(rng.sample(placed, min(k, len(placed))))
        elif op < par.segment_below:
            ln = rng.randrange(m.m)
            seq = sol.seqs[ln]
            a = rng.randrange(max(1, len(seq) - k + 1))
            chosen = {i for i in seq[a : a + k] if i not in m.fixed}
        elif op < par.campaign_below:
            key = m.key[rng.choice(placed)]
            same = [i for i in placed if m.key[i] == key]
            chosen = set(rng.sample(same, min(k, len(same))))
        else:
            _, dec = self.cost(sol.seqs, sol.excluded)
            late = [i for i in placed if dec.end[i] > m.due[i]] or placed
            chosen = set(rng.sample(late, min(k // 2, len(late))))
            chosen |= set(rng.sample(placed, min(k // 2, len(placed))))
        if rng.random() < par.whole_orders:  # a stage chain can move together
            chosen |= {j for i in list(chosen) for j in m.order_lots[m.order[i]]}
        chosen -= set(m.fixed)
        if self.replan and rng.random() < par.replan_keep:
            # keep the other lots of the orders that already sit where they were
            chosen = {i for i in chosen if not self._in_place(sol, i)} or chosen
        self.remember(sol.seqs, chosen)
        for s in sol.seqs:
            s[:] = [i for i in s if i not in chosen]
        return sorted(chosen, key=lambda x: (self.rank[x], self.due[x], x))

    def _setup_pool(self, sol: Sol, k: int) -> set[int]:
        """Tolerance phase: the lots behind the longest changeovers (sampled by squared
        minutes) and lots of the same setup key, to be regrouped into campaigns."""
        m, rng = self.model, self.rng
        cand, wts = [], []
        for ln, q in enumerate(sol.seqs):
            pk = m.init_key[ln]
            for i in q:
                c = m.co_min[ln][pk][m.key[i]]
                pk = m.key[i]
                if c > 0 and i not in m.fixed:
                    cand.append(i)
                    wts.append(float(c * c))
        if not cand:
            return set()
        chosen: set[int] = set()
        for i in rng.choices(cand, weights=wts, k=max(1, k // 3)):
            chosen.add(i)
        key = m.key[rng.choice(sorted(chosen))]
        same = [i for q in sol.seqs for i in q if m.key[i] == key and i not in m.fixed]
        chosen |= set(rng.sample(same, min(k // 2, len(same))))
        return chosen

    def _peak_pool(self, sol: Sol, k: int) -> set[int]:
        """Energy phase: lots running in the most expensive hours, and their line
        neighbours, to be moved so the idle time falls there instead."""
        m, rng = self.model, self.rng
        _, dec = self.cost(sol.seqs, sol.excluded)
        if dec.error is not None or not m.peak:
            return set()
        hot = [
            (ln, p)
            for ln, q in enumerate(sol.seqs)
            for p, i in enumerate(q)
            if i not in m.fixed and _in_peak(m, dec.start[i], dec.end[i])
        ]
        chosen: set[int] = set()
        for ln, p in rng.sample(hot, min(max(1, k // 3), len(hot))):
            q = sol.seqs[ln]
            chosen |= {j for j in q[max(0, p - 1) : p + 2] if j not in m.fixed}
        return chosen

    def _in_place(self, sol: Sol, i: int) -> bool:
        return i in self._kept

    def _replan_pool(self, sol: Sol, placed: list[int], k: int) -> set[int]:
        """Re-planning destroys only lots that already left their previous line/start (the
        lots displaced by the disruption and those they pushed) and a few line neighbours."""
        m, rng = self.model, self.rng
        _, dec = self.cost(sol.seqs, sol.excluded)
        line_of = {i: ln for ln, q in enumerate(sol.seqs) for i in q}
        self._kept = {
            i
            for i in placed
            if (pv := m.previous.get(i)) is not None and pv == (line_of[i], dec.start[i])
        }
        pool = [i for i in placed if i not in self._kept]
        if not pool:
            return set()
        chosen = set(rng.sample(pool, min(k, len(pool))))
        if rng.random() < self.params.replan_neighbour_share:  # and one's line neighbours
            i = rng.choice(sorted(chosen))
            q = sol.seqs[line_of[i]]
            p = q.index(i)
            r = self.params.replan_neighbours
            chosen |= {j for j in q[max(0, p - r) : p + r + 1] if j not in m.fixed}
        return chosen

    def repair(self, sol: Sol, removed: list[int]) -> None:
        m = self.model
        failed: set[int] = set()
        for i in removed:
            if m.order[i] in failed or m.order[i] in sol.excluded:
                continue
            if self.insert(sol, i):
                continue
            # an order the plan must keep (frozen/locked lot) or had before: look harder
            keep = any(j in m.fixed or j in m.previous for j in m.order_lots[m.order[i]])
            if not (keep and self.insert(sol, i, wide=self.params.insert_wide)):
                failed.add(m.order[i])
        if any(m.order[i] in failed for i in m.fixed):
            sol.cost = INF  # a locked/frozen lot's order can never be dropped: reject
            return
        if failed:
            sol.excluded |= failed
            for s in sol.seqs:
                s[:] = [i for i in s if m.order[i] not in failed]
        sol.cost, _ = self.cost(sol.seqs, sol.excluded)

    def restore(self, sol: Sol, deadline: float) -> None:
        """Place excluded orders (those of the previous plan first), in place.

        Plain best insertion first; when it fails, room is made by taking out the less urgent
        lots planned just before the order's due and re-inserting them after the order's lots.
        A change is kept only when the objective (which prices an unplanned order at
        ``Weights.unplanned_order``) improves.
        """
        m = self.model
        prev_orders = {m.order[i] for i in m.previous}
        todo = sorted(sol.excluded, key=lambda o: (o not in prev_orders, m.order_ids[o]))
        for o in todo:
            placed = {i for q in sol.seqs for i in q}  # frozen lots of the order stay put
            lots = sorted(
                (x for x in m.order_lots[o] if x not in placed), key=lambda x: self.rank[x]
            )
            for attempt in range(self.params.restore_attempts):
                if time.perf_counter() > deadline:
                    return
                cand = _copy(sol)
                cand.excluded.discard(o)
                room = self.params.room_step * attempt
                removed = [] if attempt == 0 else self._make_room(cand, o, room)
                self.repair(cand, lots + removed)
                if cand.cost < sol.cost - 1e-9:
                    sol.seqs, sol.excluded, sol.cost = cand.seqs, cand.excluded, cand.cost
                    break

    def _make_room(self, sol: Sol, o: int, k: int) -> list[int]:
        """Take out up to ``k`` movable lots, less urgent than order ``o``, that run just
        before its due; returns them (chain order) for re-insertion."""
        m = self.model
        _, dec = self.cost(sol.seqs, sol.excluded)
        if dec.error is not None:
            return []
        due = min(m.soft_due[i] for i in m.order_lots[o])
        due = min(due, m.horizon)
        pool = [
            (abs(due - dec.end[i]), i)
            for s in sol.seqs
            for i in s
            if i not in m.fixed and m.soft_due[i] > due
        ]
        pool.sort()
        chosen = {i for _d, i in pool[:k]}
        chosen |= {j for i in list(chosen) for j in m.order_lots[m.order[i]]}
        chosen -= set(m.fixed)
        self.remember(sol.seqs, chosen)
        for s in sol.seqs:
            s[:] = [i for i in s if i not in chosen]
        return sorted(chosen, key=lambda x: (self.rank[x], self.due[x], x))

    def try_unplanned(self, sol: Sol) -> list[int]:
        """Put one unplanned order's lots up for re-insertion."""
        if not sol.excluded:
            return []
        o = self.rng.choice(sorted(sol.excluded))
        sol.excluded.discard(o)
        return sorted(self.model.order_lots[o], key=lambda x: self.rank[x])

    # -- main loop -----------------------------------------------------------------------------
    def run(
        self,
        sol: Sol,
        deadline: float,
        iterations: int | None,
        progress: Progress | None,
        t0: float,
    ) -> Sol:
        par = self.params
        best = _copy(sol)
        cur = _copy(sol)
        stall, it = 0, 0
        while (iterations is None and time.perf_counter() < deadline) or (
            iterations is not None and it < iterations
        ):
            it += 1
            cand = _copy(cur)
            # the tolerance phase makes small, setup-focused moves: more of them per second
            lo, hi = par.tolerance_destroy if self.caps is not None else par.destroy
            k = self.rng.randint(lo, hi)
            removed = self.destroy(cand, k)
            if self.rng.random() < par.retry_unplanned:
                removed = self.try_unplanned(cand) + removed
            self.repair(cand, removed)
            if cand.cost <= cur.cost:
                cur = cand
            if cand.cost < best.cost - 1e-9:
                best, stall = _copy(cand), 0
                if progress is not None:
                    progress(time.perf_counter() - t0, best.cost)
            else:
                stall += 1
            if stall and stall % par.restart_after_stalls == 0:
                cur = _copy(best)
        return best


def _in_peak(model: Model, start: int, end: int) -> bool:
    k = bisect_right(model.peak_starts, end - 1) - 1
    return k >= 0 and model.peak[k][1] > start


def _copy(s: Sol) -> Sol:
    return Sol([list(q) for q in s.seqs], set(s.excluded), s.cost)


# -- construction portfolio ------------------------------------------------------------------
def _rules(model: Model, par: SearchParams) -> Iterator[tuple[str, Rule, int | None]]:
    """Construction portfolio, most useful first (large instances only get the first few):
    ATCS with the starvation window cuts tardiness several-fold on a backlogged center; the
    plain active set keeps changeovers (and so unplanned orders near full load) lowest.

    The setup-lean ATCS rules come first (:attr:`SearchParams.lean_rules`: on four weeks of
    the demo center a construction takes seconds, so only the first two or three run).

    Each rule is built when the portfolio reaches it (an ATCS rule costs a pass over the
    lots), so a portfolio cut short builds only the rules it runs."""
    window, bonus = par.starve_window, par.atcs_campaign
    for k1, k2, c in par.lean_rules:
        yield f"atcs-{k1}-{k2}-lean-w", atcs_rule(model, k1, k2, campaign=c), window
    yield "edd", edd_rule(model), None
    for k1, k2 in par.atcs_grid:
        yield f"atcs-{k1}-{k2}-w", atcs_rule(model, k1, k2, campaign=bonus), window
    for k1, k2 in par.atcs_grid:
        yield f"atcs-{k1}-{k2}", atcs_rule(model, k1, k2, campaign=bonus), None


def _previous_seqs(model: Model) -> list[list[int]]:
    seqs: list[list[tuple[int, int]]] = [[] for _ in range(model.m)]
    for i, (ln, s) in {**model.previous, **model.fixed}.items():
        if model.dur[ln][i] > 0:
            seqs[ln].append((s, i))
    return [[i for _s, i in sorted(q)] for q in seqs]


def _displace(model: Model, seqs: list[list[int]], clearance: int) -> list[list[int]]:
    """Drop previous-plan lots that now overlap unavailable time (an outage); they are
    re-inserted elsewhere, so the lots around them can keep their previous starts."""
    out = []
    for ln, seq in enumerate(seqs):
        keep = []
        for i in seq:
            s = model.previous.get(i, model.fixed.get(i, (ln, 0)))[1]
            e = s + model.dur[ln][i]
            hit = any(a < e and s - clearance < b for a, b in model.down[ln])
            if i in model.fixed or not hit:
                keep.append(i)
        out.append(keep)
    return out


def _seed_repair(srch: Search, sol: Sol, todo: list[int]) -> None:
    """Re-insert the displaced lots of the previous plan; an order that does not fit is left
    out for :meth:`Search.restore` (which makes room), its frozen lots staying in place."""
    m = srch.model
    failed: set[int] = set()
    for i in todo:
        if m.order[i] in failed or m.order[i] in sol.excluded:
            continue
        if not (srch.insert(sol, i) or srch.insert(sol, i, wide=srch.params.insert_wide)):
            failed.add(m.order[i])
    if failed:
        sol.excluded |= failed
        for q in sol.seqs:
            q[:] = [i for i in q if m.order[i] not in failed or i in m.fixed]
    sol.cost = srch.cost(sol.seqs, sol.excluded)[0]


def _deadline(seconds: float, deterministic: bool) -> float:
    """A wall-clock deadline ``seconds`` from now; none in the deterministic mode, whose work
    is fixed however long it takes."""
    return INF if deterministic else time.perf_counter() + seconds


def initial(
    model: Model,
    srch: Search,
    bad: set[int],
    budget: float,
    deterministic: bool = False,
    rules: int | None = None,
) -> tuple[Sol, str]:
    """Best of the constructive portfolio within ``budget`` seconds (the first always runs;
    ``deterministic``: the whole portfolio, or its first ``rules`` rules)."""
    t_end = _deadline(budget, deterministic)
    best: Sol | None = None
    name = ""
    last_err = InfeasibleProblem("no construction produced a plan")
    if model.previous:
        seqs = _displace(model, _previous_seqs(model), srch.params.outage_clearance)
        placed = {i for q in seqs for i in q}
        missing = [i for i in range(model.n) if i not in placed]
        seqs = [[i for i in q if model.order[i] not in bad] for q in seqs]
        todo = sorted([i for i in missing if model.order[i] not in bad], key=lambda x: srch.rank[x])
        stay = srch.decoding.stay
        # near full load the displaced lots only fit when the others may also start earlier
        # than before: then the stay rule is lifted (the stability weight still holds them)
        for stay_rule in (stay, None) if stay is not None else (None,):
            srch.decoding = replace(srch.decoding, stay=stay_rule)
            sol = Sol([list(q) for q in seqs], set(bad), 0.0)
            extra: list[int] = []
            for _ in range(30):  # taking lots out can leave a forbidden pair: take that out too
                c, dec = srch.cost(sol.seqs, sol.excluded)
                if c < INF or dec.culprit < 0 or dec.culprit in model.fixed:
                    break
                extra.append(dec.culprit)
                sol.seqs = [[i for i in q if i != dec.culprit] for q in sol.seqs]
            if srch.cost(sol.seqs, sol.excluded)[0] >= INF:
                continue
            _seed_repair(srch, sol, sorted(todo + extra, key=lambda x: srch.rank[x]))
            if sol.excluded and sol.cost < INF:  # displaced orders: make room near their due
                restore = srch.params.seed_restore_share * budget
                srch.restore(sol, _deadline(restore, deterministic))
            fixed_dropped = any(model.order[i] in sol.excluded for i in model.fixed)
            if sol.cost < INF and not fixed_dropped:
                best, name = sol, "previous"
                break
        if best is not None and srch.decoding.stay is None and stay is not None:
            # the displaced lots are in now: keep the others from drifting earlier if that fits
            with_stay = replace(srch.decoding, stay=stay)
            cost = srch.cost(best.seqs, best.excluded, with_stay)[0]
            if cost < INF:
                best.cost = cost
                srch.decoding = with_stay
        if best is None:
            srch.decoding = replace(srch.decoding, stay=stay)
    portfolio = islice(_rules(model, srch.params), rules or None)
    # a re-plan starts from the previous plan when it can: a fresh construction may price
    # lower at first, but it has given up the previous sequences the search keeps lots in
    while best is None or (time.perf_counter() <= t_end and name != "previous"):
        step = next(portfolio, None)  # the next rule is built only when it runs
        if step is None:
            break
        rname, rule, window = step
        seqs, failed = construct(model, rule, bad, window)
        try:
            seqs, _dec, exc = finalize(model, seqs, bad | failed, srch.min_start, srch.decoding)
        except InfeasibleProblem as err:  # this rule stranded a frozen lot's order; try others
            last_err = err
            continue
        c, _ = srch.cost(seqs, exc)
        if best is None or c < best.cost:
            best, name = Sol(seqs, exc, c), rname
    if best is None:
        raise last_err
    return best, name


# -- parallel portfolio ------------------------------------------------------------------------
HelperResult = tuple[float, list[list[int]], list[int], int]


@dataclass(frozen=True)
class HelperTask:
    """One helper's share of a search phase (what it needs to run anywhere)."""

    problem: Problem
    sol: Sol
    seed: int
    seconds: float
    iterations: int | None
    energy: bool
    margin: int | None
    caps: Caps | None = None
    # the decode options of the main process, passed rather than rebuilt: whether re-planned
    # lots keep the stay rule (the main process lifts it near full load), so a helper's cost
    # is the cost the main process compares it with
    stay: bool = True
    peak_focus: bool = False
    params: SearchParams = field(default_factory=SearchParams)


def _helper_search(task: HelperTask) -> HelperResult:
    model = _compiled(task.problem)
    decoding = _decoding(model, task.stay, task.margin)
    srch = Search(model, task.seed, task.energy, None, decoding, task.params)
    srch.set_caps(task.caps)
    srch.peak_focus = task.peak_focus
    sol = _copy(task.sol)
    sol.cost = srch.cost(sol.seqs, sol.excluded)[0]
    t0 = time.perf_counter()
    res = srch.run(sol, t0 + task.seconds, task.iterations, None, t0)
    return res.cost, res.seqs, sorted(res.excluded), srch.calls


def _compiled(problem: Problem) -> Model:
    """Compiled model; re-planning searches with the raised moved-lot weight."""
    model = compile_problem(problem)
    if model.previous:
        w = model.weights
        model.search_weights = replace(w, moved_lot=max(w.moved_lot, w.replan_moved_lot))
    return model


def _decoding(model: Model, stay: bool, margin: int | None) -> Decoding:
    """The decode options: the TOU ``margin``, and when re-planning with ``stay``, a lot left
    on its previous line starts no earlier than before unless that helps (the final re-timing
    may move it earlier)."""
    return Decoding(stay_starts(model) if stay and model.previous else None, margin)


def warm_up() -> None:
    """Compile (or load from the on-disk cache) the decoder kernels by planning a tiny
    problem; the first compilation takes several seconds, later runs load it."""
    from mixshare.engine.synthetic import generate

    solve(generate(days=1, load=0.5, seed=0), time_limit=0.3, workers=1)


def solve(
    problem: Problem,
    time_limit: float,
    seed: int | None = 0,
    workers: int = 2,
    progress: Progress | None = None,
    energy_aware: bool = True,
    iterations: int | None = None,
    strict: bool = True,
    on_phase: PhaseHook | None = None,
    pool: WorkerPool | None = None,
    rules: int | None = None,
    bound: bool = True,
    params: SearchParams | None = None,
) -> Schedule:
    """Plan ``problem`` within ``time_limit`` seconds (anytime; see module docstring).

    ``iterations`` fixes the work per worker for a reproducible run. ``strict`` raises
    :class:`~mixshare.engine.problem.InfeasibleProblem` on structurally infeasible inputs,
    otherwise their orders are reported unplanned. ``on_phase`` receives the best plan at the
    end of each search phase (``PHASES``), e.g. the plan the energy phase starts from.
    ``pool`` runs the helpers of the portfolio (default: :func:`~mixshare.engine.pool.
    default_pool`, the local processes unless ``MIXSHARE_DASK_SCHEDULER`` names a cluster);
    the same seed and ``workers`` give the same reproducible plan on any pool.
    ``rules`` caps the construction portfolio at its first rules (a cheaper reproducible run,
    e.g. the twin's rolling re-plans); None runs it all. ``bound`` False skips the lower bound
    (reported as 0 with no parts): callers that only execute the plan save its time.
    ``params`` are the search's knobs (:class:`~mixshare.engine.params.SearchParams`; default
    ``SearchParams()``), passed on to every helper.
    """
    t0 = time.perf_counter()
    seed = 0 if seed is None else seed
    deterministic = iterations is not None
    pool = default_pool() if pool is None and workers > 1 else pool or LocalPool()
    model = _compiled(problem)
    bad = check_structure(model, strict=strict)
    if model.n == 0:  # nothing to plan (e.g. a re-plan after every order was cancelled)
        empty: list[list[int]] = [[] for _ in range(model.m)]
        return to_schedule(
            model,
            empty,
            decode(model, empty),
            [],
            objective=0.0,
            lower_bound=0.0,
            stats={"method": "lns", "initial": "empty", "seconds": 0.0},
        )
    # money: the search prices energy (and decodes TOU-aware) only in the energy phase, from
    # the best TOU-blind plan; pricing it from the start cost more in cleaning batches than it
    # saved in energy (demo week, 60 s, seeds 0-4: the blind run's total lower in 4 of 5)
    money = model.weights.objective == "money"
    par = params or SearchParams()
    decoding = _decoding(model, True, None)
    srch = Search(model, seed, energy_aware and not money, None, decoding, par)
    budget = min(par.construction_share * time_limit, par.construction_cap)
    sol, origin = initial(model, srch, bad, budget, deterministic, rules)
    margins = _margins(model, srch, sol) if srch.energy else [None]
    srch.decoding = replace(srch.decoding, tou_margin=margins[0])
    sol.cost = srch.cost(sol.seqs, sol.excluded)[0]
    if sol.excluded:  # orders left out cost more than anything else: try hard to place them
        srch.restore(sol, _deadline(par.restore_share * time_limit, deterministic))
    if progress is not None:
        progress(time.perf_counter() - t0, sol.cost)
    # the bound depends on the problem only: computed here, its time comes out of the search's
    # (the deterministic mode skips the CP-SAT relaxation: what it proves depends on the clock)
    relax = 0.0 if deterministic else min(par.bound_cap, par.bound_share * time_limit)
    lb = lower_bound(model, True, time_limit=relax) if bound else None
    elapsed = time.perf_counter() - t0
    reserve = par.reserve_share * time_limit
    remaining = max(0.0, time_limit - elapsed - reserve - par.reserve_seconds)
    w = model.w
    tol = w.tardiness_tolerance
    shares = _phase_shares(model, tol is not None and not model.previous, energy_aware)
    best, calls = sol, 0
    done_iterations = 0
    for k, share in enumerate(shares):
        if share <= 0.0:
            continue
        if k == 1:
            srch.set_caps(srch.caps_around(best, tol))
        elif k == 2:
            srch.peak_focus = True
            srch.energy = True
            # lexicographic: from here on energy never buys tardiness; money: every yuan
            # counts the same, so the energy phase minimises the same sum (no caps)
            srch.set_caps(None if money else srch.caps_around(best, None))
            margins = _margins(model, srch, best)
            srch.decoding = replace(srch.decoding, tou_margin=margins[0])
        best.cost = srch.cost(best.seqs, best.excluded)[0]
        last = k == len(shares) - 1 or all(x <= 0.0 for x in shares[k + 1 :])
        seconds = share * remaining
        if last:
            finish = t0 + par.finish_share * time_limit - par.reserve_seconds
            seconds = max(0.0, finish - time.perf_counter())
        its = None
        if iterations is not None:
            its = iterations - done_iterations if last else round(iterations * share)
            done_iterations += its
        margin = srch.decoding.tou_margin
        helper_margin = margins[1] if len(margins) > 1 else margin
        best, best_margin, more = _phase(
            problem,
            srch,
            best,
            worker_seed(seed, k),
            seconds,
            its,
            workers,
            margin,
            helper_margin,
            progress,
            t0,
            pool,
        )
        calls += more
        srch.decoding = replace(srch.decoding, tou_margin=best_margin)
        if on_phase is not None:
            placed = {i for q in best.seqs for i in q}
            unplanned = [i for i in range(model.n) if i not in placed]
            dec = decode(model, best.seqs, options=srch.decoding)
            on_phase(PHASES[k], to_schedule(model, best.seqs, dec, unplanned))
    srch.set_caps(None)
    srch.peak_focus = False
    best.cost = srch.cost(best.seqs, best.excluded)[0]
    if best.excluded and (deterministic or time.perf_counter() - t0 < time_limit):
        last_try = max(0.0, par.final_restore_share * time_limit)
        srch.restore(best, _deadline(last_try, deterministic))
    return _finish(model, best, srch.decoding, energy_aware, t0, origin, calls, lb)


def _phase_shares(model: Model, tolerance: bool, energy: bool) -> list[float]:
    """Share of the search time of each phase: weighted (tardiness first), changeovers under
    a tardiness tolerance, energy under tardiness and changeover caps."""
    w = model.w
    share = w.money_energy_share if w.objective == "money" else w.energy_share
    e = min(max(share, 0.0), 0.9) if energy and model.peak else 0.0
    t = min(max(w.tolerance_share, 0.0), 0.9) if tolerance else 0.0
    return [(1.0 - e) * (1.0 - t), (1.0 - e) * t, e]


def _phase(
    problem: Problem,
    srch: Search,
    sol: Sol,
    seed: int,
    seconds: float,
    iterations: int | None,
    workers: int,
    margin: int | None,
    helper_margin: int | None,
    progress: Progress | None,
    t0: float,
    pool: WorkerPool,
) -> tuple[Sol, int | None, int]:
    """One search phase: this process plus ``workers - 1`` helpers on ``pool`` (they use
    ``helper_margin``); returns the best plan under the search's current objective, its TOU
    margin and the evaluations spent."""
    tasks = _helper_tasks(
        problem,
        sol,
        seed,
        seconds,
        iterations,
        srch.energy,
        workers,
        helper_margin,
        srch.caps,
        stay=srch.decoding.stay is not None,
        peak_focus=srch.peak_focus,
        params=srch.params,
    )
    handle = pool.submit(_helper_search, tasks) if tasks else None
    calls0 = srch.calls
    best = srch.run(sol, time.perf_counter() + seconds, iterations, progress, t0)
    best_margin = margin
    calls = srch.calls - calls0
    results = (
        pool.gather(_helper_search, tasks, handle, seconds, deterministic=iterations is not None)
        if tasks
        else []
    )
    for res in results:
        if res[0] < best.cost:
            best = Sol(res[1], set(res[2]), res[0])
            best_margin = helper_margin
        calls += res[3]
    return best, best_margin, calls


def _margins(model: Model, srch: Search, sol: Sol) -> list[int | None]:
    """TOU slack margins ordered by the cost of the plan decoded with each."""
    if not model.peak:
        return [None]
    scored = []
    for k, mg in enumerate(srch.params.tou_margins):
        decoding = replace(srch.decoding, tou_margin=mg)
        scored.append((srch.cost(sol.seqs, sol.excluded, decoding)[0], k, mg))
    scored.sort()  # a margin whose plan breaks the phase's caps sorts last
    return [mg for _c, _k, mg in scored]


def _helper_tasks(
    problem: Problem,
    sol: Sol,
    seed: int,
    seconds: float,
    iterations: int | None,
    energy: bool,
    workers: int,
    margin: int | None,
    caps: Caps | None = None,
    stay: bool = True,
    peak_focus: bool = False,
    params: SearchParams | None = None,
) -> list[HelperTask]:
    """The other workers' shares of a phase (none for one worker or a very short phase)."""
    par = params or SearchParams()
    if workers <= 1 or (seconds < par.helper_min_seconds and iterations is None):
        return []
    # starting and reporting back costs a little: the helper stops slightly earlier
    return [
        HelperTask(
            problem,
            sol,
            worker_seed(seed, w),
            max(0.1, seconds - par.helper_early),
            iterations,
            energy,
            margin,
            caps,
            stay,
            peak_focus,
            par,
        )
        for w in range(1, workers)
    ]


def _finish(
    model: Model,
    best: Sol,
    decoding: Decoding,
    energy: bool,
    t0: float,
    origin: str,
    calls: int,
    bound: tuple[float, dict[str, float]] | None,
) -> Schedule:
    dec = decode(model, best.seqs, options=decoding)
    if dec.error is not None:  # cannot happen for accepted solutions; fail loudly if it does
        raise RuntimeError(f"internal: best plan does not decode ({dec.error})")
    before = evaluate(model, best.seqs, dec, len(best.excluded), True)
    # where the idle time sits: exact per-line timing of the sequences (energy, stability).
    # Money: a lot may also end later when its lateness costs less than the electricity it
    # saves (demo week, TOU-blind plans of 400 iterations, seeds 0-4: their own sequences
    # re-timed this way cost 81-1,475 yuan less than re-timed at no extra lateness, at
    # tardiness +0.2 to +2.3 %; 0.05 CPU s either way); lexicographic: energy never buys
    # tardiness
    trade = energy and model.weights.objective == "money"
    dec = retime(
        model,
        best.seqs,
        dec,
        energy=energy,
        stability=bool(model.previous),
        keep_tardiness=not trade,
    )
    cost = evaluate(model, best.seqs, dec, len(best.excluded), True)
    placed = {i for s in best.seqs for i in s}
    sched = to_schedule(model, best.seqs, dec, [i for i in range(model.n) if i not in placed])
    if validate(model.problem, sched):  # safety net: never hand out an invalid plan
        _seqs, fallback = dispatch_model(model, strict=False)
        return fallback
    lb, parts = bound or (0.0, {})
    # the parts the planner compares with cover what the plan covers
    if bound is not None and len(placed) < model.n:
        left_out = [model.lot_ids[i] for i in range(model.n) if i not in placed]
        _lb, parts = lower_bound(compile_problem(model.problem.without(left_out)), True, 0.0)
    stats: dict[str, float | int | str] = {
        "method": "lns",
        "initial": origin,
        "tou_margin": "blind" if decoding.tou_margin is None else decoding.tou_margin,
        "seconds": round(time.perf_counter() - t0, 3),
        "evaluations": calls,
        "retime_saving": round(before.total(model) - cost.total(model), 2),
        **{k: round(v, 3) for k, v in parts.items()},
    }
    return to_schedule(
        model,
        best.seqs,
        dec,
        [i for i in range(model.n) if i not in placed],
        objective=cost.total(model),
        lower_bound=lb,
        stats=stats,
    )
