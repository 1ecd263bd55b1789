"""secgate's own secret detector: declarative rules, a fast line-oriented engine, redaction.

Rules:

* :mod:`secgate.secrets.rulemodel`: the rule model (what a rule matches and allows).
* :mod:`secgate.secrets.tomlrules`: secgate's TOML rule format (read, validate, write).
* :mod:`secgate.secrets.gitleaks`: gitleaks-format rule files (rules, allowlists, extend).
* :mod:`secgate.secrets.rules`: loading a scan's rule set (bundled plus extra files).

Detection:

* :mod:`secgate.secrets.regex`: the regular-expression engine (google-re2 when installed,
  linear time; Python's ``re`` otherwise).
* :mod:`secgate.secrets.engine`: the :class:`~secgate.secrets.engine.Detector` API.
* :mod:`secgate.secrets.textfile`: a file's bytes, read once, and the binary/NUL/coding
  decisions.
* :mod:`secgate.secrets.linescan`: keyword pre-filter, regex matching, overlaps, columns.
* :mod:`secgate.secrets.keyblocks`: private key blocks across lines.
* :mod:`secgate.secrets.checks`: placeholders, validators, context filters, allow markers.
* :mod:`secgate.secrets.compiled`: a rule compiled for the detector, and its hit.
* :mod:`secgate.secrets.redact`: redacted previews and keyed fingerprints.
* :mod:`secgate.secrets.git`: the staged and history sources.

The scanner plugin that puts this into a ``secgate check`` run is
:mod:`secgate.scanners.secrets`.
"""

from __future__ import annotations
