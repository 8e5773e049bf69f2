"""The scale-out path: the exported N-Triples loaded into Virtuoso (a production SPARQL
server from Debian) answer every library query as Oxigraph does, through the SPARQL protocol.

Skipped only when Virtuoso is not installed (scripts/test.sh installs it with apt).
Queries Virtuoso cannot run are listed in VIRTUOSO_LIMITS with the reason; they are
reported as xfail, never hidden, and compared as soon as Virtuoso runs them.
"""

from __future__ import annotations

import io

import pytest

from cgt_graph.sparql import library as q
from cgt_graph.sparql import virtuoso
from cgt_graph.publish.turtle import write_graph

pytestmark = [pytest.mark.virtuoso,
              pytest.mark.skipif(not virtuoso.available(), reason="virtuoso-opensource is not installed")]

# query -> (what Virtuoso 7.2.5 answers, why)
VIRTUOSO_LIMITS: dict[str, tuple[str, str]] = {}


@pytest.fixture(scope="module")
def server(real_oxi, tmp_path_factory):
    nt = tmp_path_factory.mktemp("virtuoso") / "export.nt"
    buf = io.BytesIO()
    n = write_graph(real_oxi, buf, "ntriples", ontology=True)
    nt.write_bytes(buf.getvalue())
    with virtuoso.Virtuoso() as v:
        loaded = v.load(nt)
        assert loaded == n  # every exported triple is in the named graph
        yield v


@pytest.mark.parametrize("name", sorted(q.library()))
def test_virtuoso_answers_like_oxigraph(name, server, real_oxi):
    text = q.bound_text(name)
    ours = q.run(real_oxi, text)
    try:
        cols, theirs = server.result(text)
    except virtuoso.VirtuosoError as exc:
        if name in VIRTUOSO_LIMITS and VIRTUOSO_LIMITS[name][0] in str(exc):
            pytest.xfail(f"Virtuoso cannot run {name}: {VIRTUOSO_LIMITS[name][1]}")
        raise
    assert cols == ours.columns
    assert virtuoso.comparable_rows(theirs) == virtuoso.comparable_rows(ours.rows)


def test_the_graph_is_queried_by_name_not_the_system_default(server):
    """Virtuoso's own default graph holds system triples: we only read the loaded graph."""
    n_ours = int(server.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]["value"])
    n_all = int(server.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", graph="")[0]["n"]["value"])
    assert n_all > n_ours
