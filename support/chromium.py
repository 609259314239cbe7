"""Find the headless browser used for the TensorBoard screenshots and for printing answers.pdf.

    from support.chromium import find_chromium
    path = find_chromium()        # e.g. /usr/bin/chromium; ChromiumNotFound names the apt-get line
"""

from __future__ import annotations

import shutil

NAMES = ("chromium", "chromium-browser", "google-chrome")  # Debian, Ubuntu, Google's build
INSTALL_HINT = "sudo apt-get install chromium   (or: make sysdeps)"


class ChromiumNotFound(RuntimeError):
    """No Chromium binary on PATH."""


def find_chromium() -> str:
    """Path of the first of NAMES found on PATH."""
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumNotFound(f"Chromium not found on PATH (tried {', '.join(NAMES)}). Install it with: {INSTALL_HINT}")
