"""A progress bar on stderr for long commands, drawn only on a terminal.

It stays silent when stderr is not a terminal (CI logs, pipes, files) or when the command
runs with ``--quiet``, so logs never fill with redrawn lines.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

BAR_WIDTH = 24


class ProgressBar:
    """One redrawn line: ``[#####-----] done/total label``."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.drawn = False

    @classmethod
    def on_stderr(cls, quiet: bool) -> ProgressBar:
        """Return a bar on stderr, enabled when stderr is a terminal and ``quiet`` is off."""
        return cls(sys.stderr, enabled=not quiet and _is_terminal(sys.stderr))

    def update(self, done: int, total: int, label: str) -> None:
        """Redraw the bar at ``done`` of ``total`` with ``label`` after it."""
        if not self.enabled:
            return
        filled = BAR_WIDTH * done // total if total > 0 else BAR_WIDTH
        line = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total} {label}"

        # Cut the line to the terminal's width, so that it never wraps and stays redrawable.
        columns = shutil.get_terminal_size(fallback=(80, 24)).columns
        self.stream.write("\r" + line[: max(columns - 1, 10)] + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line, so that later output starts on a new one."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
