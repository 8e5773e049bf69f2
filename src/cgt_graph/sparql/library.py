"""The query library and the one place queries are run.

Library queries are the `.rq` files in `cgt_graph/queries/`. Each opens with
header comments:

    # title: Authorisations by modality
    # description: Which products of a modality ...
    # param: modality | modality | car-t | modality id, e.g. car-t

A `param` line is `name | type | default | help`; the type is one of the id
kinds (modality, product, jurisdiction, pathway, agency, class) which become
IRIs, or `string` / `integer`. In the query text a parameter is written
`$name` (SPARQL's other variable sigil, so the file stays valid SPARQL); it is
replaced by the typed term serialised by pyoxigraph (ids are checked against
the slug pattern first), so no user text is ever spliced in raw.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, Store, Variable

from cgt_graph import paths
from cgt_graph.errors import CgtError
from cgt_graph.curation.checks import SLUG
from cgt_graph.graph.vocab import iri
from cgt_graph.graph import terms

#: `cgt-graph stats`: (title, library query), in the order printed
STATS = [("Nodes per class", "counts-by-class"),
         ("Authorisations per jurisdiction", "counts-by-jurisdiction"),
         ("Products per modality", "counts-by-modality"),
         ("Authorisations per regulatory class", "counts-by-class-scheme"),
         ("Citations per evidence level", "counts-by-evidence"),
         ("Seed claims against the graph", "claims-vs-graph")]
IRI_PARAM_TYPES = {"modality", "product", "jurisdiction", "pathway", "agency", "class", "source",
                   "claim", "policy", "scheme"}


class QueryError(CgtError):
    """A query could not be found, bound or run (exit code 2)."""


@dataclass
class Param:
    name: str
    type: str
    default: str | None
    help: str


@dataclass
class LibraryQuery:
    name: str
    title: str
    description: str
    text: str
    params: list[Param] = field(default_factory=list)
    path: Path | None = None


def parse_query_file(path: Path) -> LibraryQuery:
    text = path.read_text(encoding="utf-8")
    title = description = ""
    params: list[Param] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        value = value.strip()
        if key == "title":
            title = value
        elif key == "description":
            description = value
        elif key == "param":
            parts = [p.strip() for p in value.split("|")]
            if len(parts) != 4:
                raise QueryError(f"{path}: param line must be 'name | type | default | help'")
            name, typ, default, help_ = parts
            if typ not in IRI_PARAM_TYPES | {"string", "integer"}:
                raise QueryError(f"{path}: unknown param type {typ!r}")
            params.append(Param(name, typ, default or None, help_))
    if not title or not description:
        raise QueryError(f"{path}: a library query needs '# title:' and '# description:' lines")
    return LibraryQuery(path.stem, title, description, text, params, path)


_PARSED: dict[Path, tuple[list[str], dict[str, LibraryQuery]]] = {}


def library(directory: Path | None = None) -> dict[str, LibraryQuery]:
    """The library queries of `directory` (default: the package's queries), by name.

    The files are parsed once per directory; adding, removing or renaming a query file makes
    it parse again (a file edited in place is seen by the next process).
    """
    directory = directory or paths.queries_dir()
    names = sorted(n for n in os.listdir(directory) if n.endswith(".rq"))
    parsed = _PARSED.get(directory)
    if parsed is None or parsed[0] != names:
        parsed = (names, {n[:-3]: parse_query_file(directory / n) for n in names})
        _PARSED[directory] = parsed
    return dict(parsed[1])


def get(name: str) -> LibraryQuery:
    lib = library()
    if name not in lib:
        raise QueryError(f"no library query {name!r}; known: {', '.join(lib)}")
    return lib[name]


def bind(q: LibraryQuery, values: dict[str, str]) -> dict[Variable, Any]:
    """Turn user-given `key=value` strings into typed terms."""
    known = {p.name: p for p in q.params}
    for key in values:
        if key not in known:
            raise QueryError(f"query {q.name!r} has no parameter {key!r}; it takes: {', '.join(known) or 'none'}")
    subs: dict[Variable, Any] = {}
    for p in q.params:
        value = values.get(p.name, p.default)
        if value is None:
            raise QueryError(f"query {q.name!r} needs --param {p.name}=...")
        if p.type in IRI_PARAM_TYPES:
            if not (SLUG.match(value) or (p.type == "jurisdiction" and re.match(r"^[A-Z]{2}$", value))):
                raise QueryError(f"--param {p.name} must be a {p.type} id, got {value!r}")
            subs[Variable(p.name)] = NamedNode(str(iri(p.type, value)))
        elif p.type == "integer":
            try:
                subs[Variable(p.name)] = Literal(int(value))
            except ValueError as exc:
                raise QueryError(f"--param {p.name} must be an integer") from exc
        else:
            subs[Variable(p.name)] = Literal(value)
    return subs


@dataclass
class Result:
    """A SELECT result as plain Python: column names and rows of strings (or None)."""

    columns: list[str]
    rows: list[list[str | None]]

    @classmethod
    def from_dicts(cls, rows: list[dict[str, object]]) -> Result:
        """A table of Python rows (columns from the first row; values as text)."""
        cols = list(rows[0]) if rows else ["(no rows)"]
        return cls(cols, [[None if r.get(c) is None else str(r.get(c)) for c in cols] for r in rows])

    def dicts(self) -> list[dict[str, str | None]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]

    def column(self, name: str) -> list[str | None]:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]


def run(store: Store, text: str) -> Result:
    """Run a SELECT (or ASK) over the data graphs as one default graph."""
    try:
        # the union of the named graphs (data files + ontology); listing ~100 graphs as
        # default_graph instead made every pattern a union and queries 100x slower
        out = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from exc
    if isinstance(out, QueryBoolean):
        return Result(["ask"], [["true" if bool(out) else "false"]])
    if not isinstance(out, QuerySolutions):
        raise QueryError("only SELECT and ASK queries give a table; use CONSTRUCT through the endpoint")
    return solutions_result(out)


def solutions_result(out: QuerySolutions) -> Result:
    """SELECT solutions as a `Result`: each cell the term's plain value (`terms.text`), None when unbound."""
    cols = [v.value for v in out.variables]
    rows = [[terms.text(sol[c]) for c in cols] for sol in out]
    return Result(cols, rows)


def substitute(text: str, bindings: dict[Variable, Any]) -> str:
    """Write each bound term (in N-Triples) in place of `$name` in the query text."""
    for var, term in bindings.items():
        text = re.sub(r"\$" + re.escape(var.value) + r"\b", _verbatim(terms.ntriples(term) or ""), text)
    return text


def _verbatim(written: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement that inserts `written` as it is (no backslash processing)."""
    return lambda _match: written


def bound_text(name: str, values: dict[str, str] | None = None) -> str:
    """The library query `name` with its parameters written in."""
    q = get(name)
    return substitute(q.text, bind(q, values or {}))


def run_named(store: Store, name: str, values: dict[str, str] | None = None) -> Result:
    return run(store, bound_text(name, values))


def format_result(result: Result, fmt: str) -> str:
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(result.columns)
        for r in result.rows:
            w.writerow(["" if v is None else v for v in r])
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(result.dicts(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "table":
        return _table(result.columns, result.rows)
    raise QueryError(f"unknown format {fmt!r}")


def _table(cols: list[str], rows: Iterable[list[str | None]], width: int = 60) -> str:
    def cell(v: str | None) -> str:
        s = "" if v is None else str(v).replace("\n", " ")
        return s if len(s) <= width else s[: width - 1] + "…"

    body = [[cell(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    sep = "  ".join("-" * w for w in widths)
    out = [line, sep] + ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in body]
    out.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(o.rstrip() for o in out) + "\n"
