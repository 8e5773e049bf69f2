"""The one error type a user sees, and the exit codes it carries.

Library code raises `CgtError` (or a subclass: `DataError`, `StoreError`, `QueryError`, ...)
with the exit code the README promises; `cgt-graph` turns it into a few lines on stderr and
that exit code, in one place (`cli.py`). Nothing else reaches the user: an unexpected
exception is reported in one line too (set CGT_GRAPH_DEBUG=1 for its traceback).
"""

from __future__ import annotations

from typing import Sequence

OK = 0
DATA = 1      # the data breaks a rule (or a partner file breaks the shapes)
USAGE = 2     # unreadable input or bad usage: malformed YAML, unknown option, query or parameter, missing extra
STORE = 3     # no store (run `cgt-graph build`), another build holds the lock, or the store cannot be written
INTERNAL = 4  # a bug in cgt-graph: please report it
INTERRUPTED = 130  # Ctrl-C (SIGINT), as shells report it: not to be read as "the data breaks a rule"


class CgtError(Exception):
    """An error for the user: a message, the exit code, optional indented details and a closing note."""

    code: int = USAGE

    def __init__(self, message: str, code: int | None = None, details: Sequence[str] = (), note: str = ""):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = list(details)
        self.note = note

    def lines(self) -> list[str]:
        """What stderr shows."""
        return [f"error: {self.message}", *(f"  {d}" for d in self.details), *([self.note] if self.note else [])]


def missing_extra(package: str, extra: str, what: str) -> CgtError:
    """The error for an optional dependency that is not installed: names the pip command."""
    return CgtError(f"{what} needs {package}, which is not installed: "
                    f"pip install 'cgt-graph[{extra}]' (in a checkout: pip install -e '.[{extra}]')")


def require_extra(extra: str, what: str, *modules: str) -> None:
    """Raise `missing_extra` unless every module (e.g. "fhir.resources") can be imported."""
    import importlib.util

    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:  # its parent package is missing
            found = False
        if not found:
            raise missing_extra(module, extra, what)
