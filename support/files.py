"""Write a file so that readers see either the old file or the complete new one, never half of it.

    from support.files import atomic_write
    with atomic_write(Path("dist/x.zip")) as partial:   # a temporary path beside the target
        write_the_file(partial)                           # any writer that takes a path
    # on success `partial` was renamed to dist/x.zip; on an exception it was removed

Used by the command-line tools in support/ (PDF, submission zip).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_write(target: Path, mode: int = 0o644) -> Iterator[Path]:
    """Yield an empty temporary file in ``target``'s folder (created if needed); when the block ends
    without an exception, give it ``mode`` and rename it to ``target`` (``os.replace``, atomic on one
    file system). In any case no temporary file is left behind."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        partial.chmod(mode)  # mkstemp creates 0600
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
