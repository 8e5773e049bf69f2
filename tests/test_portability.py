"""Every library query gives the same answers on a second SPARQL engine (rdflib's),
run over the exported Turtle, as on Oxigraph: the queries are standard SPARQL 1.1.

The fast suite runs them on the fixture data (seconds); the real data run (a minute and
more on rdflib's engine) is marked `slow`: `pytest -m slow tests/test_portability.py`."""

from __future__ import annotations

import re

import io
from collections import Counter

import pytest
import rdflib.plugins.sparql
from rdflib import Graph

from cgt_graph.sparql import library as q
from cgt_graph.publish.turtle import write_graph

rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch anything
FIXTURE_PRODUCT = "testcabtagene-autoleucel"


def _norm(value):
    if value is None:
        return None
    text = str(value)
    # GROUP_CONCAT order is not defined by SPARQL: compare the parts (";", "; " or "|" apart) as a set
    return ";".join(sorted(p.strip() for p in re.split(r"[;|]", text))) if (";" in text or "|" in text) else text


def _rows_rdflib(graph: Graph, text: str, columns: list[str]) -> Counter:
    res = graph.query(text)
    out = Counter()
    for row in res:
        out[tuple(_norm(row[c]) if row[c] is not None else None for c in columns)] += 1
    return out


def _rows_oxi(result: q.Result) -> Counter:
    return Counter(tuple(_norm(v) for v in row) for row in result.rows)


def _export(store) -> Graph:
    buf = io.BytesIO()
    write_graph(store, buf, "turtle", ontology=True)
    return Graph().parse(data=buf.getvalue().decode(), format="turtle")


def _agree(store, exported: Graph, name: str, values: dict[str, str] | None = None) -> q.Result:
    text = q.bound_text(name, values)
    ours = q.run(store, text)
    theirs = _rows_rdflib(exported, text, ours.columns)
    assert theirs == _rows_oxi(ours)
    return ours


@pytest.fixture(scope="module")
def exported_fixture(fixture_oxi):
    return _export(fixture_oxi)


@pytest.fixture(scope="module")
def exported_real(real_oxi):
    return _export(real_oxi)


@pytest.mark.parametrize("name", sorted(q.library()))
def test_rdflib_agrees_with_oxigraph_on_the_fixture_data(name, fixture_oxi, exported_fixture):
    # the default product (tisagenlecleucel) is not in the fixture: ask about one that is
    takes_product = any(p.name == "product" for p in q.get(name).params)
    ours = _agree(fixture_oxi, exported_fixture, name, {"product": FIXTURE_PRODUCT} if takes_product else None)
    assert ours.rows, f"{name} gives no rows on the fixture: the comparison would prove nothing"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(q.library()))
def test_rdflib_agrees_with_oxigraph_on_the_real_data(name, real_oxi, exported_real):
    _agree(real_oxi, exported_real, name)
