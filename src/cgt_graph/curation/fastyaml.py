"""A fast first reading of data files, through yaml-rs, used when nothing is wrong.

Parsing was the largest cost of a build (100x the real graph, 10,303 files, 105 MB: 20.5 CPU s
in PyYAML's libyaml composer with line tracking, 18.8 s of which is libyaml's event stream
itself); yaml-rs (a Rust YAML parser) reads the same files in 1.5 CPU s (benchmarks/parse.py).
It keeps no line numbers, so the build reads fast first and, only when a problem is found,
reads again with the exact reader (load.read_yaml: PyYAML, every mapping knowing its lines) and
reports from that reading: every message keeps its file and line, and the exact reader is the
authority (`graph/build.py`).

The two parsers follow different YAML versions: PyYAML resolves plain scalars by YAML 1.1
(`yes`, `on`, `0123`, `1_000`, `1:20`, `1e3` without a sign), yaml-rs by YAML 1.2's core
schema. `read_fast` therefore hands a file back to the exact reader (returns `EXACT`) whenever
its text holds anything the two could read differently: a plain token that looks like a
number, boolean word or other implicit type outside the forms both resolve the same way,
anchors, aliases, tags, merge keys, several documents, or anything yaml-rs refuses (duplicate
keys, syntax errors). tests/test_fastyaml.py holds both readers to the same values on every
data file and on each of these cases.
"""

from __future__ import annotations

import re
from typing import Any

try:
    import yaml_rs
except ImportError:  # pragma: no cover - a core dependency; without it every file is read exactly
    yaml_rs = None  # type: ignore[assignment]

EXACT = object()
"""Returned when a file must be read by the exact reader."""

# Plain scalars of one token that may resolve differently: the YAML 1.1 boolean words 1.2 reads
# as strings, and anything number-like (starting with a digit, sign or dot) that is not one of
# the forms both read alike (a decimal integer without leading zeros, a decimal fraction, a date
# YYYY-MM-DD or YYYY-MM, which both keep as text here); every implicit type of either version is
# written with ASCII letters, digits and `_ . : + -` only, so a token with any other character is
# a string to both. In block context such a scalar follows
# `key: `, `- ` or `? ` (or starts the next line) and ends the line; in a flow collection it
# follows `[ { ,` and ends at `, ] }`; a key starts a line (or follows `- `, `? `, `{ ,`) and ends at `:`.
_WORD = (r"(?:[-+.]?[0-9][0-9A-Za-z_.:+-]*|[-+]?\.[A-Za-z]+|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF"
         r"|=|<<)")
_SAFE = r"(?:[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?)"


def _unsafe(prefix: str, end: str) -> str:
    """A token after `prefix`, ending where `end` (a lookahead) holds, that is not a safe form."""
    return prefix + f"(?=[-+.0-9=<yYnNoO])(?!{_SAFE}{end})" + _WORD + end  # the first lookahead: speed


_BLOCK_END = r"(?=[ \t]*(?:$|#|[,\]}]))"
_FLOW_END = r"(?=[ \t]*(?:\n[ \t]*)*(?:[,\]}]|:[ \t\n]))"  # an item, or a key of a flow mapping
_KEY_END = r"[ \t]*:(?=[ \t]|$)"
# separate searches: one alternation of them all costs Python's re its prefix scans (2.4x slower)
_HAZARDS = [re.compile(p, re.MULTILINE) for p in (
    _unsafe(r"(?:[:?-][ \t]+|[:?-][ \t]*(?:#[^\n]*)?(?:\n[ \t]*)+)", _BLOCK_END),  # block value
    _unsafe(r"[\[{,][ \t]*(?:\n[ \t]*)*", _FLOW_END),  # flow item or flow key
    _unsafe(r"^[ \t]*(?:[-?][ \t]+)*", _KEY_END),  # block key
    r"[&*!](?<=[\s\[{,][&*!])\S|\A[&*!]",  # anchors (&a), aliases (*a), tags (!x, !!str) as YAML tokens
    r"\n(?:---|\.\.\.)(?:[ \t]|$)",  # a second document
)]


def read_fast(text: str) -> Any:
    """The document as plain Python values (dates kept as their text), or EXACT."""
    if yaml_rs is None or any(p.search(text) for p in _HAZARDS):
        return EXACT
    try:
        return yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # noqa: BLE001 - any refusal: the exact reader gives the located error
        return EXACT
