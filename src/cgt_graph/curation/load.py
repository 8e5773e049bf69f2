"""Read `data/` into records that remember their file and line.

Only parsing happens here: malformed YAML, duplicate keys and files of the
wrong shape are reported as `Problem`s naming file and line. The rules of the
data model live in `checks.py`.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from cgt_graph.curation.fastyaml import EXACT, read_fast
from cgt_graph.errors import DATA, USAGE, CgtError

try:  # the C parser is several times faster where libyaml is present
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader


# Anchors and aliases expand on construction: a small "billion laughs" file of nested aliases took
# 35 s and 3 GB before a MemoryError (shared/NOTES.md). The composed node graph shares aliased
# nodes, so its expanded size can be counted in linear time before anything is constructed.
MAX_ALIASES = 1_000
MAX_EXPANDED_NODES = 1_000_000


class _BoundedRepr(reprlib.Repr):
    def repr1(self, x: Any, level: int) -> str:
        if isinstance(x, dict) and type(x) is not dict:
            return self.repr_dict(x, level)  # Node: reprlib would fall back to the full repr()
        if isinstance(x, list) and type(x) is not list:
            return self.repr_list(x, level)
        return super().repr1(x, level)


def clip(value: Any, limit: int = 80) -> str:
    """repr() of a value for a message, at most about `limit` characters, built without first
    building the whole repr (a huge value would cost its full size before any slicing)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + "..."
    r = _BoundedRepr()
    r.maxlevel, r.maxdict, r.maxlist, r.maxtuple, r.maxset = 3, 6, 6, 6, 6
    r.maxstring = r.maxother = r.maxlong = limit
    text = r.repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as we can."""

    file: str
    line: int | None
    record: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        record = self.record if not self.record or len(self.record) <= 80 else self.record[:80] + "..."
        rec = f" ({record})" if record else ""
        message = self.message if len(self.message) <= 1000 else self.message[:1000] + "..."
        return f"{where}{rec}: [{self.rule}] {message}"


_NO_LINES: dict[str, int] = {}  # shared by every Node of a fast reading: never written to


class Node(dict):
    """A YAML mapping that knows its line, and the line of each key (0 and none when read fast).

    Slots, and one shared empty map when read fast: at 1000x a reading holds 12 million of these."""

    __slots__ = ("line", "key_lines")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines = _NO_LINES

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


#: rules about reading a file (as opposed to the data model): breaking only these is exit code 2
PARSE_RULES = {"yaml", "shape", "encoding", "layout", "file-name"}


class DataError(CgtError):
    """Raised when data cannot be read or breaks the rules; carries all problems.

    Exit code 2 when every problem is about reading a file, else 1 (the data breaks a rule)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems),
                         code=USAGE if all(p.rule in PARSE_RULES for p in problems) else DATA)

    def lines(self) -> list[str]:
        n = len(self.problems)
        return [*(str(p) for p in self.problems), f"{n} problem{'s' if n != 1 else ''} found; nothing was written."]


class _Loader(_BaseLoader):
    pass


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> Node:
    loader.flatten_mapping(node)
    result = Node()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {clip(key)}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> str:
    # Keep dates as the text the curator wrote: precision is part of the fact.
    return str(loader.construct_scalar(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _nodes(value: Any) -> Any:
    """A fast reading's mappings as Nodes that know no lines (fastyaml.py)."""
    if type(value) is dict:
        node = Node(value)
        for k, v in value.items():
            if type(v) is dict or type(v) is list:
                node[k] = _nodes(v)
        return node
    if type(value) is list:
        return [_nodes(v) if type(v) is dict or type(v) is list else v for v in value]
    return value


def read_yaml(path: Path, root: Path, exact: bool = True) -> Any:
    """Parse one file; raise DataError naming file and line on malformed YAML.
    `exact=False`: the fast reader first (no lines; fastyaml.py)."""
    rel = _rel(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([Problem(rel, None, None, "encoding", f"not UTF-8: {exc}")]) from exc
    if not exact:
        doc = read_fast(text)
        if doc is not EXACT:
            return _nodes(doc)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()  # composed: aliases are shared nodes, nothing expanded yet
            if node is None:
                return None
            if "*" in text:  # no alias without a '*': nothing can expand beyond the text itself
                _check_expansion(node, rel)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        raise DataError([Problem(rel, line, None, "yaml", msg)]) from exc
    except yaml.YAMLError as exc:
        raise DataError([Problem(rel, None, None, "yaml", str(exc))]) from exc


def _check_expansion(root: yaml.Node, rel: str) -> None:
    """Refuse a document whose aliases would expand past the limits (DataError naming the line
    of the anchor that crossed them), or that refers to itself through an alias."""
    sizes: dict[int, int] = {}
    aliases = 0
    # iterative post-order walk; a node already sized is an alias use and costs its size again
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            if isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = node.value
            else:
                children = []
            size = 1 + sum(sizes[id(c)] for c in children)
            sizes[key] = size
            # what aliases add: the expanded size beyond the distinct nodes composed so far (a long
            # file is no bomb: at 1000x one file held over a million values and a '*' in a quote)
            if size - len(sizes) > MAX_EXPANDED_NODES:
                raise DataError([Problem(rel, node.start_mark.line + 1, None, "yaml",
                                         f"anchors and aliases here expand to more than {MAX_EXPANDED_NODES:,} values "
                                         "(a 'billion laughs'): write the values out instead of aliasing them")])
            continue
        if key in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise DataError([Problem(rel, node.start_mark.line + 1, None, "yaml",
                                         f"more than {MAX_ALIASES:,} alias uses: write the values out instead")])
            continue
        if key in open_nodes:
            raise DataError([Problem(rel, node.start_mark.line + 1, None, "yaml",
                                     "an alias refers to the node that contains it (a recursive structure)")])
        open_nodes.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        for child in reversed(children):
            if id(child) in sizes:
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise DataError([Problem(rel, child.start_mark.line + 1, None, "yaml",
                                             f"more than {MAX_ALIASES:,} alias uses: write the values out instead")])
            elif id(child) in open_nodes:
                raise DataError([Problem(rel, child.start_mark.line + 1, None, "yaml",
                                         "an alias refers to the node that contains it (a recursive structure)")])
            else:
                stack.append((child, False))


def _rel(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


@dataclass
class Record:
    """One curated record: its kind, fields, and where it came from."""

    kind: str
    data: Node
    file: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def line(self) -> int:
        return self.data.line

    @property
    def id(self) -> str:
        return str(self.data.get("id") or self.extra.get("id") or "")

    def problem(self, rule: str, message: str, key: str | None = None) -> Problem:
        line = self.data.line_of(key) if key else self.data.line
        return Problem(self.file, line, self.id or None, rule, message)


# kind name -> (location under data/, shape of each file)
#   "list": the file is a list of records; "one": the file is one record;
#   "scheme": a mapping with `scheme` (one record) and `classes` (list)
LAYOUT: dict[str, tuple[str, str]] = {
    "jurisdiction": ("jurisdictions.yaml", "list"),
    "modality": ("modalities.yaml", "list"),
    "source": ("sources", "list"),
    "agency": ("agencies", "list"),
    "pathway": ("pathways", "list"),
    "classification": ("classifications", "scheme"),
    "product": ("products", "one"),
    "authorisation": ("authorisations", "list"),
    "designation": ("designations", "list"),
    "policy": ("policies", "list"),
    "claim": ("claims", "list"),
    # history (#14): procedure milestones, indication decisions, negative outcomes
    "milestone": ("milestones", "list"),
    "indication": ("indications", "list"),
    "outcome": ("outcomes", "list"),
}


def _files(root: Path, where: str) -> list[Path]:
    p = root / where
    if p.is_file():
        return [p]
    if p.is_dir():
        return sorted(x for x in p.iterdir() if x.suffix in (".yaml", ".yml") and x.is_file())
    return []


def load_records(root: Path, on_file: Callable[[Path], None] | None = None,
                 exact: bool = True) -> tuple[list[Record], list[Problem]]:
    """Read every data file (`on_file` is called after each: progress). Returns the records and the parse problems.

    `exact=False`: the fast reading, whose records know no lines (read again exactly to report a problem)."""
    records: list[Record] = []
    problems: list[Problem] = []
    if not root.is_dir():
        raise DataError([Problem(str(root), None, None, "layout", "data directory not found")])
    for kind, (where, shape) in LAYOUT.items():
        for path in _files(root, where):
            rel = _rel(path, root)
            try:
                doc = read_yaml(path, root, exact)
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            records.extend(_split(kind, shape, doc, path, rel, problems))
            if on_file:
                on_file(path)
    return records, problems


def count_files(root: Path) -> int:
    """How many data files `load_records` reads (for a progress bar)."""
    return sum(len(_files(root, where)) for where, _shape in LAYOUT.values()) if root.is_dir() else 0


def _split(kind: str, shape: str, doc: Any, path: Path, rel: str,
           problems: list[Problem]) -> Iterable[Record]:
    if doc is None:
        return []
    if kind == "pathway" and path.name == "generic.yaml":
        kind = "pathway-kind"
    if shape == "one":
        if not isinstance(doc, Node):
            problems.append(Problem(rel, 1, None, "shape", "a product file must hold one mapping"))
            return []
        rec = Record(kind, doc, rel)
        if doc.get("id") != path.stem:
            problems.append(rec.problem("file-name", f"file must be named after the product id: {doc.get('id')}.yaml", "id"))
        return [rec]
    if shape == "scheme":
        if not isinstance(doc, Node) or "scheme" not in doc:
            problems.append(Problem(rel, 1, None, "shape", "a classification file must hold `scheme:` and `classes:`"))
            return []
        out: list[Record] = []
        scheme = doc["scheme"]
        if not isinstance(scheme, Node):
            problems.append(Problem(rel, doc.line_of("scheme"), None, "shape", "`scheme` must be a mapping"))
            return []
        out.append(Record("scheme", scheme, rel))
        classes = doc.get("classes") or []
        if not isinstance(classes, list):
            problems.append(Problem(rel, doc.line_of("classes"), None, "shape", "`classes` must be a list"))
            return out
        for item in classes:
            if not isinstance(item, Node):
                problems.append(Problem(rel, doc.line_of("classes"), None, "shape", "each class must be a mapping"))
                continue
            out.append(Record("class", item, rel, {"scheme": scheme.get("id")}))
        for key in doc:
            if key not in ("scheme", "classes"):
                problems.append(Problem(rel, doc.line_of(key), None, "unknown-key", f"unknown key {clip(key)}"))
        return out
    if not isinstance(doc, list):
        line = doc.line if isinstance(doc, Node) else 1
        problems.append(Problem(rel, line, None, "shape", f"a {kind} file must hold a YAML list of records"))
        return []
    out = []
    for item in doc:
        if not isinstance(item, Node):
            problems.append(Problem(rel, None, None, "shape", f"each {kind} must be a mapping, got {clip(item, 40)}"))
            continue
        out.append(Record(kind, item, rel))
    return out

