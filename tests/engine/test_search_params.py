"""The search's knobs (SearchParams) and decode options (Decoding) are passed, not shared state.

A run's knobs reach every portfolio helper with its task, the default run is the run with
``SearchParams()``, and decoding with options leaves nothing behind on the compiled model.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from mixshare.engine.model import EARLIEST, Decoding, compile_problem, decode
from mixshare.engine.params import SearchParams
from mixshare.engine.search import Sol, _helper_tasks, solve
from mixshare.engine.synthetic import generate


def test_the_knobs_travel_with_every_helper_task() -> None:
    problem = generate(days=1, load=0.5, seed=0)
    par = SearchParams(restart_after_stalls=7, destroy=(2, 3))
    sol = Sol([[], []], set(), 0.0)
    tasks = _helper_tasks(problem, sol, 1, 5.0, 10, True, 3, 480, stay=False, params=par)
    assert len(tasks) == 2
    assert all(t.params is par and t.margin == 480 and not t.stay for t in tasks)


def test_default_run_is_the_run_with_default_params_and_knobs_change_it() -> None:
    problem = generate(days=2, load=0.7, seed=5)
    plain = solve(problem, time_limit=1.0, seed=1, workers=1, iterations=15)
    explicit = solve(
        problem, time_limit=1.0, seed=1, workers=1, iterations=15, params=SearchParams()
    )
    assert (
        explicit.lots == plain.lots
        and explicit.stats["evaluations"] == (plain.stats["evaluations"])
    )
    # one-lot moves re-insert one lot per iteration: far fewer exact evaluations
    small = solve(
        problem,
        time_limit=1.0,
        seed=1,
        workers=1,
        iterations=15,
        params=SearchParams(
            destroy=(1, 1), tolerance_destroy=(1, 1), retry_unplanned=0.0, whole_orders=0.0
        ),
    )
    assert int(small.stats["evaluations"]) < int(plain.stats["evaluations"])


def test_decode_options_leave_the_model_as_it_was() -> None:
    problem = generate(days=2, load=0.6, seed=3)
    model = compile_problem(problem)
    plan = solve(problem, time_limit=1.0, seed=0, workers=1, iterations=5, energy_aware=False)
    start = {s.lot: s.start for s in plan.lots}
    ordered = [
        sorted(
            (model.index[s.lot] for s in plan.lots if s.line == ln),
            key=lambda i: start[model.lot_ids[i]],
        )
        for ln in model.line_ids
    ]
    before = decode(model, ordered)
    tou = decode(model, ordered, options=Decoding(tou_margin=0))
    assert tou.error is None and tou.start != before.start  # the TOU pass moved lots
    after = decode(model, ordered, options=EARLIEST)
    assert after.start == before.start and after.end == before.end


def test_the_newcomers_map_in_docs_names_every_knob() -> None:
    """docs/engine.md maps where each SearchParams field acts (values stay in params.py)."""
    doc = (Path(__file__).parents[2] / "docs" / "engine.md").read_text(encoding="utf-8")
    section = doc.split("## SearchParams: where each knob acts", 1)[1]
    named = set(re.findall(r"`(\w+)`", section))
    assert [f.name for f in fields(SearchParams) if f.name not in named] == []
