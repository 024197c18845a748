"""The output gate (R19.2, R04.1, R23.5): rules, the statistics rewrite, differencing and trackers."""

from .check import GateOutcome, evaluate, gate_declared_aggregate, gate_sql
from .differencing import InMemoryReleaseHistory, Population, ReleaseHistory
from .rules import GateSettings, Reason, Verdict

__all__ = [
    "GateOutcome",
    "GateSettings",
    "InMemoryReleaseHistory",
    "Population",
    "Reason",
    "ReleaseHistory",
    "Verdict",
    "evaluate",
    "gate_declared_aggregate",
    "gate_sql",
]
