"""Dependency manifests (being split into one module per format; see issue 14)."""

from secgate.deps.manifests.requirements import *  # noqa: F403
