"""secgate's own secret detector: declarative rules, a fast line-oriented engine, redaction.

* :mod:`secgate.secrets.rules`: the rule model, and loading secgate's TOML rule files and
  gitleaks-format rule files.
* :mod:`secgate.secrets.regex`: the regular-expression engine (google-re2 when installed,
  linear time; Python's ``re`` otherwise).
* :mod:`secgate.secrets.engine`: the detector, which reads each file once.
* :mod:`secgate.secrets.redact`: redacted previews and keyed fingerprints.
* :mod:`secgate.secrets.git`: the staged and history sources.

The scanner plugin that puts this into a ``secgate check`` run is
:mod:`secgate.scanners.secrets`.
"""

from __future__ import annotations
