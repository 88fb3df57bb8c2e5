"""The progress bar the import commands draw on stderr (tqdm), or nothing with --quiet."""

from __future__ import annotations

import sys

from tqdm import tqdm


class ProgressBar:
    """A `progress(done, total)` callback for the import services; `close()` it at the end."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            self.bar = tqdm(total=total, unit="행", desc="가져오는 중", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
