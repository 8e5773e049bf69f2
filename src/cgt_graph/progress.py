"""Progress a person can follow: messages, and bars with counts and time left for long steps.

`Reporter` is the `progress` callback the pipeline takes (called with a message) and also
makes bars (tqdm). Messages go to stderr unless quiet; bars only when stderr is a terminal
(never in logs, pipes or CI) and not quiet. Code that takes a plain callback uses `bar()`,
which gives a silent bar when the callback cannot draw one.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, TextIO

from tqdm import tqdm


class Reporter:
    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bars = not quiet and bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()

    def __call__(self, msg: str) -> None:
        if not self.quiet:
            tqdm.write(f"[{time.perf_counter() - self.start:6.2f}s] {msg}", file=self.stream)

    def bar(self, desc: str, total: int | None, unit: str = "it") -> tqdm:
        return tqdm(total=total, desc=desc, unit=unit, file=self.stream, disable=not self.bars, leave=True,
                    dynamic_ncols=True, mininterval=0.5, unit_scale=unit not in ("it", "file", "check", "table"))


def bar(progress: Callable[[str], None] | Any, desc: str, total: int | None, unit: str = "it") -> tqdm:
    """A bar from `progress` when it can draw one (a Reporter), else a silent one; use `with` and `.update(n)`."""
    make = getattr(progress, "bar", None)
    return make(desc, total, unit) if make else tqdm(total=total, disable=True)


def ticker(progress: Callable[[str], None] | Any, desc: str, total: int, unit: str = "it") -> Callable[..., None]:
    """A callback that advances a bar by one per call (any arguments) and closes it at `total`."""
    b = bar(progress, desc, total, unit)
    done = [0]

    def tick(*_: Any) -> None:
        done[0] += 1
        b.update(1)
        if done[0] >= total:
            b.close()
    return tick
