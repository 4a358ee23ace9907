"""Fair sharing of the center's fixed costs as a cooperative cost game.

Plain data in, plain data out: no database or web imports (as :mod:`mixshare.engine`).

- :mod:`.coalitions`: coalitions as bitmasks (bit ``i`` is member ``i``), sums over every
  coalition by doubling, names joined with ``+``.
- :mod:`.model`: the cost model ``c(S)``: what a center sized and run for coalition ``S``'s
  demand alone would cost a month.
- :mod:`.allocation`: Shapley value (exact, or sampled with a confidence interval), nucleolus
  (sequential LPs on HiGHS), proportional shares, the core check and cent rounding.
"""
