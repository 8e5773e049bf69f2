"""The build's fast path for the materialised tables gives what the library query gives.

`sparql/arrow.py` reads SELECT results through Oxigraph's TSV into pyarrow, and sorts by pyarrow
instead of the query's ORDER BY; both must be invisible in the tables.
"""

from __future__ import annotations

from pyoxigraph import Store

from cgt_graph.sparql.arrow import select_table, sort_strings
from cgt_graph.sparql.library import run

XSD = "http://www.w3.org/2001/XMLSchema#"
# awkward values: escapes, tabs and newlines, language tags, datatypes, numbers, unbound, the empty
# string, text that looks like an IRI or a quoted literal, non-ASCII, a control character
ROWS = f"""
  ("x\\"y\\\\z\\n\\tw" 42 "2020-01"^^<{XSD}gYearMonth> "hi"@en <http://ex/a> "a\\"")
  ("" UNDEF 1.5 true "é\\u0001" "<x>")
  (UNDEF "1"^^<{XSD}string> "2"^^<{XSD}decimal> false UNDEF "\\"q\\"")
  ("b" -7 "1.0E3"^^<{XSD}double> "zh"@zh-Hans <http://ex/b%20c> "")
"""
QUERY = f"SELECT ?a ?b ?c ?d ?e ?f ?g WHERE {{ VALUES (?a ?b ?c ?d ?e ?f) {{ {ROWS} }} BIND(BNODE(\"n\") AS ?g) }}"


def test_cells_are_the_values_library_run_gives():
    store = Store()
    table, simple = select_table(store.query(QUERY))
    expected = run(store, QUERY)
    assert table.column_names == expected.columns
    assert [list(r.values()) for r in table.to_pylist()] == expected.rows
    # a and f hold only plain strings (or nothing): pyarrow may order them; the others may not
    assert simple == {"a", "f"}


def test_no_rows_gives_the_columns():
    table, _ = select_table(Store().query("SELECT ?x ?y WHERE { FILTER(false) }"))
    assert table.column_names == ["x", "y"] and table.num_rows == 0


def test_sorting_by_pyarrow_is_the_order_by_of_sparql():
    values = ['"b"', '"a"', "UNDEF", '"B"', '"é"', '"ab"', '"a b"', '"Z"', '"a"', '"10"', '"9"', '"ﬀ"', '"😀"', '""']
    rows = " ".join(f"({v} {i})" for i, v in enumerate(values))
    store = Store()
    query = f"SELECT ?k ?i WHERE {{ VALUES (?k ?i) {{ {rows} }} }}"
    table, simple = select_table(store.query(query))
    assert "k" in simple
    ours = [r["k"] for r in sort_strings(table, ["k"]).to_pylist()]
    theirs = run(store, query + " ORDER BY ?k").column("k")
    assert ours == theirs
    assert ours[0] is None and ours[1] == ""
