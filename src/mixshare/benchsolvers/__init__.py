"""Solvers used only by benchmarks, never by planning.

* :mod:`.upmsp`, :mod:`.upmsp_search`, :mod:`.upmsp_kernels`, :mod:`.upmsp_exact`: the makespan
  mode for the public Vallada & Ruiz UPMSP-SDST benchmark (``mixshare bench upmsp``);
* :mod:`.monolithic`: the straightforward monolithic CP-SAT model of the demo center, kept as a
  comparison in ``benchmarks/demo_engine.py``.

They may import the production engine (:mod:`mixshare.engine`); the engine never imports them.
"""
