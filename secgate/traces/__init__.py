"""Proofs over a Python file's ``ast`` that a finding cannot happen (issue 16 §1b).

:func:`verify` checks a taint flow into a sink (semgrep's step, :mod:`secgate.scanners.
semgrep.output`); :func:`unreachable` checks only whether a line can run (every Python
finding, :mod:`secgate.deadcode`). Neither imports any scanner: bandit's and semgrep's
steps and the evidence step all use them.
"""

from secgate.traces.check import Disproved, Unknown, unreachable, verify

__all__ = ["Disproved", "Unknown", "unreachable", "verify"]
