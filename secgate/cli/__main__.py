"""``python -m secgate.cli``: the same as the ``secgate`` console script."""

from __future__ import annotations

from secgate.cli.entry import console_main

if __name__ == "__main__":  # pragma: no cover
    console_main()
