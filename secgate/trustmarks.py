"""Trust classes of config keys: how a field says what the scanned tree may not set.

Separate from :mod:`secgate.trust` (which reviews a loaded config) so that the config
models can mark their fields without importing the review, and the review can import the
models: no import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

#: The ``json_schema_extra`` key holding a field's trust class.
TRUST_KEY: Final = "secgate-trust"
#: The field names a program to run (or a network source of rules): never from the tree.
PROGRAM: Final = "program"
#: The field is a path (or paths): from the tree it must stay inside the scanned root.
PATH: Final = "path"
#: The field chooses where secgate writes its state: ignored from the tree, with a warning.
LOCATION: Final = "location"
#: The field loosens the gate itself: only the owner may set it; from the tree it is an error.
OWNER: Final = "owner"
#: The ``json_schema_extra`` key naming an environment variable that beats the tree's value.
ENV_KEY: Final = "secgate-env"


def trust_of(field: FieldInfo) -> tuple[str | None, str | None]:
    """A field's trust class and the environment variable that overrides the tree's value."""
    extra = field.json_schema_extra
    if not isinstance(extra, Mapping):
        return None, None
    kind = extra.get(TRUST_KEY)
    env = extra.get(ENV_KEY)
    return (
        kind if isinstance(kind, str) else None,
        env if isinstance(env, str) else None,
    )


def trusted(kind: str, env: str | None = None) -> dict[str, Any]:
    """The ``json_schema_extra`` that marks a field (``Field(json_schema_extra=trusted(...))``)."""
    extra: dict[str, Any] = {TRUST_KEY: kind}
    if env:
        extra[ENV_KEY] = env
    return extra
