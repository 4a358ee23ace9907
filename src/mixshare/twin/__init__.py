"""The center's twin: a discrete-event simulation (SimPy) of the same demand played through
two arms, each member mixing alone (standalone) and the shared center planned by the real
engine in a rolling horizon, with common random numbers and confidence intervals.

The simulation core (``assumptions``, ``data``, ``prices``, ``shared``, ``standalone``,
``results``, ``claims``, ``run``) has no database or web imports: plain data in, plain data
out, like :mod:`mixshare.engine`. ``source`` reads the demo center from the database and
``cli`` holds the commands.
"""
