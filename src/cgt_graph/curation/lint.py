"""`cgt-graph lint`: every data file in one canonical form.

The same data gives the same bytes, so a diff shows a change of fact and nothing else:
keys in the schema's order, two-space indentation, lists of short values on one line, text
longer than the line folded (`>-`) at word boundaries, quoting only where YAML needs it.
Comments stay where the curator wrote them (ruamel.yaml's round-trip mode keeps them).

A rewrite is only written when the new text reads back to exactly the same data (checked with
the loader the build uses); otherwise the file is left alone and reported.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from cgt_graph.curation.load import LAYOUT, DataError, read_yaml
from cgt_graph.curation.model import class_for, field_order

WIDTH = 100
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class LintResult:
    file: str
    changed: bool
    error: str | None = None


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.width = WIDTH
    y.indent(mapping=2, sequence=2, offset=0)
    y.preserve_quotes = False
    y.allow_unicode = True
    return y


def _foldable(s: str) -> bool:
    return ("\n" not in s and s == s.strip() and "  " not in s and "\t" not in s and s.isprintable()
            and not s.startswith(("#", "'", '"', "-", "[", "{", "!", "&", "*", "|", ">", "%", "@", "`")))


def _fold(s: str, col: int, key_len: int) -> Any:
    """`s` as the value of a key of `key_len` characters at column `col`: one line if it fits."""
    if col + key_len + 2 + len(s) <= WIDTH or not _foldable(s):
        return s
    folded = FoldedScalarString(s)
    width = max(40, WIDTH - col - 2)  # the folded lines sit two columns right of the key
    positions, line_start, last_space = [], 0, -1
    for i, ch in enumerate(s):
        if ch == " ":
            last_space = i
        if i - line_start >= width and last_space > line_start:
            positions.append(last_space)
            line_start = last_space + 1
    folded.fold_pos = positions
    return folded


def _canonical(node: Any, kind: str | None, col: int, key_len: int = 0) -> Any:
    """Rewrite `node` in place; `col` is the column its content (keys or dashes) starts at."""
    if isinstance(node, CommentedMap):
        order = field_order(kind) if kind else []
        rank = {k: i for i, k in enumerate(order)}
        original = list(node.keys())
        keys = sorted(original, key=lambda k: (rank.get(str(k), len(rank)), original.index(k)))
        for k in keys:
            node.move_to_end(k)
        cls = class_for(kind) if kind else None
        for k in keys:
            child = node[k]
            f = cls.get(str(k)) if cls else None
            if f is not None and f.range == "partial_date":
                child = node[k] = _plain_date(child)
            child_col = col if isinstance(child, CommentedSeq) else col + 2 if isinstance(child, CommentedMap) else col
            node[k] = _canonical(child, _child_kind(kind, str(k)), child_col, len(str(k)))
        return node
    if isinstance(node, CommentedSeq):
        for i, item in enumerate(node):
            node[i] = _canonical(item, kind, col + 2, 0)
        scalars = all(not isinstance(x, (CommentedMap, CommentedSeq)) for x in node)
        one_line = col + key_len + 4 + sum(len(str(x)) + 2 for x in node) <= WIDTH
        if scalars and node and one_line and not node.ca.items:
            node.fa.set_flow_style()
        else:
            node.fa.set_block_style()
        return node
    if isinstance(node, str):  # FoldedScalarString too: re-folded at the canonical positions
        return _fold(str(node), col, key_len)
    return node


def _plain_date(value: Any) -> Any:
    """A date written unquoted, whatever quoting the curator used: `2018-12-13`, `2018-12`, `2018`
    (the loader keeps all three as the text written, so the data do not change)."""
    if isinstance(value, str):
        m = _DATE.match(value)
        if m and m.group(3):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m and not m.group(2):
            return int(value)
    return value


def _child_kind(kind: str | None, key: str) -> str | None:
    if key in ("sources", "classification_sources"):
        return "citation"
    if key == "events":
        return "event"
    if kind == "classification-file":
        return {"scheme": "scheme", "classes": "class"}.get(key)
    return None


def file_kind(path: Path, root: Path) -> str | None:
    rel = path.relative_to(root)
    for kind, (where, shape) in LAYOUT.items():
        if rel.parts[0] == where or str(rel) == where:
            if kind == "pathway" and path.name == "generic.yaml":
                return "pathway-kind"
            return "classification-file" if shape == "scheme" else kind
    return None


def canonical_text(path: Path, root: Path) -> str:
    y = _yaml()
    text = path.read_text(encoding="utf-8")
    doc = y.load(text)
    doc = _canonical(doc, file_kind(path, root), 0)
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def _plain(x: Any) -> Any:
    """The data as the build reads them (a year written 2018 or '2018' is the same date)."""
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x)
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x


def lint(root: Path, write: bool) -> list[LintResult]:
    """Check (and with `write`, rewrite) every data file under `root`."""
    results: list[LintResult] = []
    for path in sorted(root.rglob("*.y*ml")):
        rel = str(Path(root.name) / path.relative_to(root))
        try:
            before = path.read_text(encoding="utf-8")
            after = canonical_text(path, root)
            same = _plain(read_yaml(path, root))
            tmp = path.with_name(f".{path.name}.lint")
            tmp.write_text(after, encoding="utf-8")
            try:
                if _plain(read_yaml(tmp, root)) != same:
                    results.append(LintResult(rel, True, "the canonical form would change the data; left as it is"))
                    continue
                if write and after != before:
                    tmp.replace(path)
            finally:
                tmp.unlink(missing_ok=True)
        except DataError as exc:
            results.append(LintResult(rel, False, str(exc.problems[0]) if exc.problems else str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - ruamel's errors: reported per file
            results.append(LintResult(rel, False, f"cannot read: {type(exc).__name__}: {exc}"))
            continue
        results.append(LintResult(rel, after != before))
    return results
