"""The service's own table of finished jobs (job_results), written by the worker."""
