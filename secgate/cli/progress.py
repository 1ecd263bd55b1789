"""The live per-scanner progress display of ``secgate check`` on a terminal."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def live_progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A live per-scanner display (files done of total, elapsed) on a terminal; else None.

    CI logs get only the final summary: a progress bar redrawn into a log is noise.
    """
    if not enabled:
        yield None
        return
    from rich.console import Console  # noqa: PLC0415 - only terminals pay for rich
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    tasks: dict[str, TaskID] = {}
    lock = threading.Lock()
    with Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:

        def update(scanner: str, done: int, total: int) -> None:
            with lock:
                if scanner not in tasks:
                    tasks[scanner] = progress.add_task(scanner, total=total)
            progress.update(tasks[scanner], completed=done, total=total)

        yield update
