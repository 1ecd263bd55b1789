"""The dependency audit: what a project declares, and what is known to be wrong with it.

Three modules, one job each:

- :mod:`secgate.deps.manifests` reads requirements files, ``pyproject.toml`` and the lock
  files (``uv.lock``, ``poetry.lock``, ``Pipfile.lock``, ``pylock.toml``) into declarations
  that know their file and line;
- :mod:`secgate.deps.osv` loads an offline OSV database (a folder of records or an
  ``all.zip`` export), indexes it once per content hash, matches versions the way the OSV
  specification says, and maps CVSS vectors to severities;
- :mod:`secgate.deps.sources` puts the offline database and ``pip-audit`` (driven through
  its command line) behind one small :class:`~secgate.deps.sources.VulnerabilitySource`
  interface.

The scanner plugin that uses them is :mod:`secgate.scanners.pip_audit`. Nothing here is
imported by ``import secgate``.
"""
