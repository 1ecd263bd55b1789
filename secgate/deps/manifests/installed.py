"""The installed environment (``importlib.metadata``), read as declarations."""

from __future__ import annotations

import json

from packaging.utils import (
    canonicalize_name,
)

from secgate.deps.manifests.core import (
    INSTALLED_PATH,
    Declaration,
    Kind,
)


def installed_declarations() -> list[Declaration]:
    """Every distribution installed in the environment secgate runs in.

    Editable, VCS and URL installs (PEP 610 ``direct_url.json``) are ``not-auditable``.
    """
    import importlib.metadata  # noqa: PLC0415

    found: dict[str, Declaration] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if not name:
            continue
        key = canonicalize_name(name)
        if key in found:
            continue  # an earlier sys.path entry shadows later copies, as for imports
        reason = None
        direct = dist.read_text("direct_url.json")
        if direct:
            try:
                info = json.loads(direct)
            except json.JSONDecodeError:
                info = {}
            if isinstance(info, dict):
                if info.get("dir_info", {}).get("editable"):
                    reason = "editable install"
                elif "vcs_info" in info:
                    reason = "VCS install"
                elif "archive_info" not in info and "dir_info" in info:
                    reason = "installed from a local folder"
        version = dist.version
        if reason is None:
            found[key] = Declaration(
                name, version, INSTALLED_PATH, None, Kind.PINNED, "installed", f"{name}=={version}"
            )
        else:
            found[key] = Declaration(
                name,
                None,
                INSTALLED_PATH,
                None,
                Kind.NOT_AUDITABLE,
                "installed",
                f"{name} {version}",
                reason=reason,
            )
    return [found[k] for k in sorted(found)]
