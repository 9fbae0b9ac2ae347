"""Writing the report's files: each one atomically, into a folder checked beforehand."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from curvature.report.errors import ReportInputError


def check_writable_folder(folder: Path) -> None:
    """Create ``folder`` if needed and check that a file can be written in it.

    Raises:
        ReportInputError: the folder cannot be created or written to.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise ReportInputError(
            f"cannot write to folder {folder}: {reason}; expected a writable folder"
        ) from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    No reader and no interrupted run ever finds a half-written file.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file readable by its owner only; give it the usual permissions.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
