"""Background jobs: plans, re-plans and imports run by ``mixshare worker`` processes.

The job's state lives in the ``jobs`` table (any web process can answer for it); the queue
library only carries the job's id to a worker.
"""
