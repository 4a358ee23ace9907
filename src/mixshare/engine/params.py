"""The search's knobs in one place: :class:`SearchParams`.

:class:`~mixshare.engine.problem.Weights` says what a plan costs; ``SearchParams`` says how the
search (:mod:`mixshare.engine.search`) looks for a cheap one: how its time is split, how many
lots a move destroys and which, how insertion positions are screened, when it restarts, which
constructions seed it. :func:`~mixshare.engine.search.solve` takes one (default
``SearchParams()``) and hands it to every helper process, like the weights.

Every value says what it rests on: a measurement (with its date and conditions) where one was
recorded in the benchmark notes, the code's history or a test, else "not measured" (a value
chosen when the code was written and kept because results were acceptable, never compared
against alternatives). The phase shares of the time (tolerance, energy) stay in ``Weights``,
where their measurements are. docs/engine.md maps which step of the search reads each field.
"""

from __future__ import annotations

from dataclasses import dataclass

# An ATCS construction rule's look-ahead parameters (k1, k2) and its campaign bonus.
AtcsRule = tuple[float, float, float]


@dataclass(frozen=True)
class SearchParams:
    """How the search spends its time and what its moves do (see the module docstring)."""

    # -- work and time ---------------------------------------------------------------------
    # Iterations per worker of a reproducible run (a seed given) when the caller names none.
    # Not measured (introduced with the reproducible mode, f640c93).
    default_iterations: int = 200
    # The construction portfolio gets this share of the time limit, at most ``construction_cap``
    # seconds. Not measured.
    construction_share: float = 0.15
    construction_cap: float = 5.0
    # Placing the orders construction left out, right after it: this share of the time limit
    # (re-planning: ``seed_restore_share`` of the construction budget first). Not measured.
    restore_share: float = 0.3
    seed_restore_share: float = 0.5
    # The lower bound's time-limited CP-SAT relaxation: this share of the time limit, at most
    # ``bound_cap`` seconds (skipped in a reproducible run). Not measured.
    bound_share: float = 0.05
    bound_cap: float = 1.5
    # Kept back from the search for the final re-timing, validation and reporting: the phases
    # get the time limit minus ``reserve_share`` of it minus ``reserve_seconds``; the last one
    # ends at ``finish_share`` of the time limit minus ``reserve_seconds``. Not measured.
    reserve_share: float = 0.05
    finish_share: float = 0.95
    reserve_seconds: float = 0.3
    # A last attempt to place unplanned orders after the search: this share. Not measured.
    final_restore_share: float = 0.04

    # -- destroy -----------------------------------------------------------------------------
    # Lots destroyed per move (inclusive range): the changeover phase makes smaller,
    # setup-focused moves (``tolerance_destroy``), more of them per second. Not measured
    # (40157ec; the smaller sizes 734c2f4).
    destroy: tuple[int, int] = (6, 16)
    tolerance_destroy: tuple[int, int] = (4, 10)
    # The changeover and energy phases take this share of their destroys from their own pools
    # (lots behind long changeovers; lots in peak hours). Not measured.
    focus_share: float = 0.5
    # The other destroys, by a uniform draw u: random lots below ``random_below``, a segment of
    # one line below ``segment_below``, a campaign of one setup key below ``campaign_below``,
    # else late lots (half) and random lots (half). Not measured (40157ec).
    random_below: float = 0.25
    segment_below: float = 0.5
    campaign_below: float = 0.75
    # Extend the destroyed lots to their whole orders, so a stage chain moves together.
    # Not measured.
    whole_orders: float = 0.3
    # Put one unplanned order's lots up for re-insertion in front of a move. Not measured.
    retry_unplanned: float = 0.2
    # Re-planning: keep the lots of orders already at their previous line and start out of the
    # move with this probability; add the lots within ``replan_neighbours`` positions of one
    # destroyed lot with probability ``replan_neighbour_share``. Not measured.
    replan_keep: float = 0.7
    replan_neighbour_share: float = 0.5
    replan_neighbours: int = 2
    # Restart from the best plan after this many moves without improvement. Not measured
    # (since the first engine, 40157ec).
    restart_after_stalls: int = 150

    # -- repair ------------------------------------------------------------------------------
    # Insertion: the best ``insert_best`` screened positions (and a few more, see
    # ``Search.insert``) are decoded exactly; an order the plan must keep looks at
    # ``insert_wide`` more, screened infeasible ones included. Not measured.
    insert_best: int = 3
    insert_wide: int = 60
    # A destroyed lot remembers this many lots before it on its line, to be put back where it
    # was when nothing better is found (nearly always feasible). Not measured (026c556).
    anchor_lookback: int = 40
    # Screening: a push down the line is followed over at most this many lots (idle time
    # absorbs pushes within a few dozen). Not measured (87a6f9e, the compiled screening).
    push_window: int = 120
    # Placing an unplanned order: up to ``restore_attempts`` tries, the k-th taking out
    # ``room_step`` x k less urgent lots near its due to make room. Not measured.
    restore_attempts: int = 4
    room_step: int = 6
    # Cost added per order with a frozen/locked lot left out (only transient: a re-plan's seed),
    # and to a plan above a lexicographic phase's caps: larger than any real objective.
    # Not a tuning value.
    stuck_order_penalty: float = 1.0e12
    cap_penalty: float = 1.0e12

    # -- construction portfolio --------------------------------------------------------------
    # Setup-lean ATCS rules (k1, k2, campaign bonus), tried first: on four weeks of the demo
    # center (2,128 lots) only the first two or three constructions run, and there EDD leaves
    # 58 orders out and the default ATCS 36, while k1 4 / k2 0.02 places every order with
    # 11,651 changeover minutes and weighted tardiness 256k, k1 6 / k2 0.03 with 9,535 and 298k
    # (default ATCS 15,431 and 745k, EDD 1.88M); at 60 s the month's plan then has 0.13x the
    # dispatch tardiness (0.16x with 6 / 0.03 first). 2026-12-02, load 15-18 (04bc478, 182e7ac).
    lean_rules: tuple[AtcsRule, ...] = ((4.0, 0.02, 2.0), (6.0, 0.03, 2.0))
    # The other ATCS rules' (k1, k2), each with and without the starvation window, and their
    # campaign bonus. Not measured.
    atcs_grid: tuple[tuple[float, float], ...] = (
        (3.0, 0.2),
        (3.0, 0.6),
        (1.5, 0.2),
        (1.5, 0.6),
        (0.5, 0.2),
        (0.5, 0.6),
        (3.0, 2.0),
        (1.5, 2.0),
        (0.5, 2.0),
    )
    atcs_campaign: float = 0.5
    # Minutes: a lot whose soft due is this close competes for its line even behind a long
    # changeover (:func:`~mixshare.engine.construct.construct`). Not measured (170e91d: it
    # stopped orders being dropped in cascades on long horizons; no comparison of values).
    starve_window: int = 720
    # Re-planning: a previous-plan lot within this many minutes before an outage is taken out
    # with the lots that overlap it. Not measured.
    outage_clearance: int = 60

    # -- TOU decoding and helpers ------------------------------------------------------------
    # TOU slack margins (minutes; None: TOU-blind) tried on the phase's starting plan; the
    # search decodes with the best, its helpers with the second best. Not measured (026c556).
    tou_margins: tuple[int | None, ...] = (None, 1440, 480, 120, 0)
    # Anytime runs start no helpers for a phase shorter than this (seconds); a helper stops
    # ``helper_early`` seconds before the phase ends, to report back in time. Not measured.
    helper_min_seconds: float = 1.5
    helper_early: float = 0.3
