"""Registers the results API; importing this module also registers the JobResult model."""

from app.core.features import Feature
from app.results.router import router

RESULTS = Feature(name="results", routers=[router])
