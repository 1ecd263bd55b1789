"""The dependency audit: what a project declares, and what is known to be wrong with it.

One job per module:

- :mod:`secgate.deps.manifests` (a package, one module per format) reads requirements
  files, ``pyproject.toml`` and the lock files (``uv.lock``, ``poetry.lock``,
  ``Pipfile.lock``, ``pylock.toml``) into declarations that know their file and line;
- the offline OSV database, whose public names :mod:`secgate.deps.osv` gathers:
  :mod:`~secgate.deps.versions` (how PyPI versions order), :mod:`~secgate.deps.severity`
  (CVSS and database severities), :mod:`~secgate.deps.matching` (OSV range evaluation,
  aliases, the lowest fix), :mod:`~secgate.deps.records` (one OSV record read),
  :mod:`~secgate.deps.database` (a database's files and provenance),
  :mod:`~secgate.deps.index` (the index cached by content hash) and
  :mod:`~secgate.deps.store` (``secgate db update``'s managed copy);
- :mod:`secgate.deps.sources` puts the offline database and ``pip-audit`` (driven through
  its command line) behind one small :class:`~secgate.deps.sources.VulnerabilitySource`
  interface.

The scanner plugin that uses them is :mod:`secgate.scanners.pip_audit`. Nothing here is
imported by ``import secgate``.
"""
