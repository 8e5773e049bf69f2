"""The explorer's data layer (explore.py, graphview.py) on the fixture store, without Streamlit."""

from __future__ import annotations

from cgt_graph.explorer import data as explore
from cgt_graph.explorer import graphview


def test_a_word_matches_the_start_of_a_word_only(fixture_oxi):
    rows = explore.search_rows(fixture_oxi)
    eu = explore.filter_rows(rows, "eu")
    assert eu and all(r["jurisdiction"] == "EU" or "EU" in r["pathways"] or r["class_code"].startswith("eu")
                      or "eu" in r["holder"].lower().split() or "Europe" in r["holder"] for r in eu)
    leuk = [dict(dict.fromkeys(explore.ROW_KEYS, ""), indication="acute lymphoblastic leukaemia", jurisdiction="US",
                 sources="https://www.ema.europa.eu/x")]
    assert explore.filter_rows(leuk, "eu") == [] and explore.filter_rows(leuk, "leuk") == leuk
    # the source URLs are not searched: every fixture source lives on example.org
    assert explore.filter_rows(rows, "https") == []


def test_facet_counts_follow_the_other_facets(fixture_oxi):
    rows = explore.search_rows(fixture_oxi)
    counts = explore.facet_counts(rows, "", {"jurisdiction": ["US"]})
    # jurisdiction ignores its own choice; status counts only US rows
    assert sum(n for _, n in counts["jurisdiction"]) == len([r for r in rows if r["jurisdiction"]])
    assert sum(n for _, n in counts["status"]) == len(explore.filter_rows(rows, "", {"jurisdiction": ["US"]}))


def test_a_products_neighbourhood_reaches_its_agencies_and_classes(fixture_oxi):
    g = graphview.load(fixture_oxi)
    nodes = graphview.product_neighbourhood(g, "testcabtagene-autoleucel")
    types = {g.nodes[n]["type"] for n in nodes}
    assert {"MedicinalProduct", "MarketingAuthorisation", "RegulatoryBody", "Jurisdiction", "RegulatoryClass"} <= types
    pos = graphview.layout(g, nodes)
    elements = graphview.elements(g, nodes, pos)
    assert len(elements["nodes"]) == len(nodes)
    assert all(e["data"]["source"] in nodes and e["data"]["target"] in nodes for e in elements["edges"])


def test_the_turtle_of_a_selection_holds_the_product_its_authorisations_and_their_sources(fixture_oxi):
    import io

    from rdflib import Graph, URIRef

    from cgt_graph.publish.selection import write_subjects
    from cgt_graph.sparql.library import run_named

    nodes = [r["node"] or "" for r in run_named(fixture_oxi, "product-nodes", {"product": "testcabtagene-autoleucel"}).dicts()]
    buf = io.BytesIO()
    count = write_subjects(fixture_oxi, nodes, buf)
    g = Graph().parse(data=buf.getvalue().decode(), format="turtle")
    assert len(g) == count > 0
    ids = "https://w3id.org/cgt-graph/id/"
    subjects = set(g.subjects())
    assert URIRef(ids + "product/testcabtagene-autoleucel") in subjects
    assert URIRef(ids + "authorisation/testcabtagene-autoleucel-eu") in subjects
    assert {URIRef(ids + "source/fx-eu-register"), URIRef(ids + "source/fx-us-list")} <= subjects  # its sources
    assert not any("examplecabtagene" in s for s in subjects)  # only the selected product


def test_a_layout_of_more_than_500_nodes_places_every_node():
    """networkx lays out 500+ nodes with its sparse solver (scipy): the whole-graph view."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for i in range(40):
        g.add_node(f"p{i}", type="MedicinalProduct", label=f"p{i}")
    for i in range(600):
        g.add_node(f"s{i}", type="Source", label=f"s{i}")
        g.add_edge(f"p{i % 40}", f"s{i}", key="wasDerivedFrom", relation="wasDerivedFrom")
    pos = graphview.layout(g, list(g.nodes))
    assert set(pos) == set(g.nodes)
    assert len({(round(x), round(y)) for x, y in pos.values()}) > 500  # spread out, not stacked
