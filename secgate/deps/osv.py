"""The offline OSV database (being split into one module per job; see issue 14)."""

from secgate.deps.index import *  # noqa: F403
