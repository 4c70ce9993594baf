"""The job worker: `python -m app.worker`. Consumes jobs.requested, computes, reports JobFinishedV1.

Kept free of imports: every process of the compute pool imports this package.
"""
