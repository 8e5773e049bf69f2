"""SELECT results straight into a pyarrow Table of strings, without a Python object per cell.

Turning 275,000 solutions of 3 columns into Python lists (`library.run`) costs more CPU than
sorting them; at 100x that was ~3.5 of the ~25 CPU s of the build's tables step. Here Oxigraph
writes the solutions as SPARQL TSV (in Rust) and pyarrow parses them (in C++); each cell is
then the term's plain value, exactly what `library.run` gives (`terms.text`): an IRI without
its brackets, a literal's lexical form (datatype and language dropped), `_:id` for a blank
node, null when unbound.

`sort_strings` puts a table in the order an `ORDER BY ?a ?b ...` over the same columns gives,
when every value in those columns is a simple literal (SPARQL orders simple literals by code
point, unbound first; UTF-8 byte order is code-point order).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pyoxigraph import QueryResultsFormat, QuerySolutions

if TYPE_CHECKING:
    import pyarrow as pa

_LITERAL = r'^"(.*)"(?:\^\^<[^>]*>|@[A-Za-z0-9-]+)?$'
_ESCAPE = re.compile(r'\\(.)')
_ESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPED[m.group(1)], text)


def _plain(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, bool]:
    """A TSV column of N-Triples terms as plain values; whether every value is a simple literal or null.

    Few passes, no regex for the common cells: an IRI `<...>` and a simple literal `"..."` both lose
    their first and last character; only a literal with a datatype or language (rare in the tables:
    their columns are mostly STR(...)) goes through a regex, and only a cell with a backslash
    through Python.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    quoted = pc.starts_with(column, '"')
    simple = pc.and_(quoted, pc.ends_with(column, '"'))
    all_simple = pc.all(pc.or_kleene(pc.is_null(column), simple), skip_nulls=False).as_py() is not False
    wrapped = pc.or_(simple, pc.starts_with(column, "<"))
    values = pc.if_else(wrapped, pc.utf8_slice_codeunits(column, 1, -1), column)
    tagged = pc.fill_null(pc.and_(quoted, pc.invert(simple)), False)
    if pc.any(tagged).as_py():  # only those cells: a regex over a whole column of long IRIs cost 0.13 s
        values = _replace(values, tagged, pc.replace_substring_regex(pc.filter(column, tagged), _LITERAL, r"\1"))
    escaped = pc.fill_null(pc.and_(quoted, pc.match_substring(column, "\\")), False)
    if pc.any(escaped).as_py():
        fixed = [_unescape(v) for v in pc.filter(values, escaped).to_pylist()]
        values = _replace(values, escaped, pa.array(fixed, pa.string()))
    return values, all_simple


def _replace(values, mask, replacements):
    """`values` with the cells where `mask` is true replaced, in order, by `replacements`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(replacements, pa.ChunkedArray):
        replacements = replacements.combine_chunks()
    return pc.replace_with_mask(values.combine_chunks(), mask.combine_chunks(), replacements)


def select_table(solutions: QuerySolutions) -> tuple[pa.Table, set[str]]:
    """The solutions as a Table of nullable strings (columns in SELECT order), and the names of
    the columns whose every value is a simple literal or unbound (`sort_strings` may order those)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    columns = [v.value for v in solutions.variables]
    body = solutions.serialize(format=QueryResultsFormat.TSV) or b""
    head, _, rows = body.partition(b"\n")
    if not columns:
        return pa.table({}), set()
    if not rows.strip(b"\n"):
        return pa.table({c: pa.array([], pa.string()) for c in columns}), set(columns)
    parsed = pcsv.read_csv(
        pa.py_buffer(rows),
        read_options=pcsv.ReadOptions(column_names=columns),
        parse_options=pcsv.ParseOptions(delimiter="\t", quote_char=False, escape_char=False),
        convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in columns}, null_values=[""],
                                            strings_can_be_null=True, quoted_strings_can_be_null=False))
    out, simple = {}, set()
    for c in columns:
        out[c], is_simple = _plain(parsed.column(c))
        if is_simple:
            simple.add(c)
    return pa.table(out), simple


def sort_strings(table: pa.Table, keys: list[str]) -> pa.Table:
    """`table` ordered by `keys` ascending, nulls first, ties kept in their order (a stable sort)."""
    import pyarrow.compute as pc

    if not keys or table.num_rows < 2:
        return table
    return table.take(pc.sort_indices(table, options=pc.SortOptions(
        sort_keys=[(k, "ascending", "at_start") for k in keys])))
