"""The explorer's data layer (explore.py, graphview.py) on the fixture store, without Streamlit."""

from __future__ import annotations

import datetime as dt

from cgt_graph.explorer import data as explore
from cgt_graph.explorer import graphview


def test_a_word_matches_the_start_of_a_word_only(fixture_oxi):
    rows = explore.search_rows(fixture_oxi)
    eu = explore.filter_rows(rows, "eu")
    assert eu and all(r["jurisdiction_code"] == "EU" or "EU" in r["pathways"] or r["class_code"].startswith("eu")
                      or "eu" in r["holder"].lower().split() or "Europe" in r["holder"] for r in eu)
    leuk = [dict(dict.fromkeys(explore.ROW_KEYS, ""), search_other="acute lymphoblastic leukaemia | United States",
                 jurisdiction="United States", sources="https://www.ema.europa.eu/x")]
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


def test_places_agencies_short_forms_and_scripts_find_their_rows(fixture_oxi):
    rows = explore.search_rows(fixture_oxi)
    china = explore.filter_rows(rows, "China")
    assert china and {r["jurisdiction_code"] for r in china} == {"CN"}
    assert explore.filter_rows(rows, "CN") == china
    eu = explore.filter_rows(rows, "European Union")
    assert eu and {r["jurisdiction_code"] for r in eu} == {"EU"}
    # an INN short form: the INN's first word starts "testcab", its last ends in "cel"
    assert {r["product_id"] for r in explore.filter_rows(rows, "testcab-cel")} == {"testcabtagene-autoleucel"}
    assert explore.filter_rows(rows, "nothing-cel") == []
    assert explore.filter_rows(rows, "CAR T") == explore.filter_rows(rows, "CAR-T") != []


def test_dates_sort_and_read_by_what_is_known():
    keys = sorted(["2022", "2022-02-28", "2021-12", "2022-02", "2022-03-01"], key=explore.sort_key)
    assert keys == ["2021-12", "2022-02-28", "2022-02", "2022-03-01", "2022"]
    assert explore.span("2022-02") == (dt.date(2022, 2, 1), dt.date(2022, 2, 28))
    assert explore.shown_date("2022") == "2022 (year only)" and explore.shown_date("2022-02-28") == "2022-02-28"


def test_a_non_latin_brand_reads_with_a_latin_name_beside_it():
    assert explore.with_latin("睿铂生", "relmacabtagene autoleucel") == "睿铂生 (relmacabtagene autoleucel)"
    assert explore.with_latin("Kymriah", "tisagenlecleucel") == "Kymriah"
    assert explore.is_latin("Tecartus é") and not explore.is_latin("킴리아")


def test_on_the_real_graph_car_t_spellings_places_and_agencies_agree(real_oxi):
    rows = explore.search_rows(real_oxi)
    car_t = [r for r in rows if "car-t" in r["modality_codes"].split(";")]
    for spelling in ["CAR T", "CAR-T", "chimeric antigen receptor"]:
        assert explore.filter_rows(rows, spelling) == explore.filter_rows(rows, "CAR-T"), spelling
    assert {r["authorisation_id"] for r in explore.filter_rows(rows, "car t")} >= {r["authorisation_id"] for r in car_t}
    # an agency by acronym and by its name in the original language finds its jurisdiction's decisions
    for text, code in [("EMA", "EU"), ("PMDA", "JP"), ("国家药品监督管理局", "CN"), ("Japan", "JP")]:
        found = explore.filter_rows(rows, text)
        assert found and {r["jurisdiction_code"] for r in found} == {code}, text
        assert len(found) == len([r for r in rows if r["jurisdiction_code"] == code]), text


def test_a_jurisdictions_neighbourhood_and_the_grouped_whole_graph(fixture_oxi):
    import math

    g = graphview.load(fixture_oxi)
    nodes = graphview.jurisdiction_neighbourhood(g, "EU")
    types = {g.nodes[n]["type"] for n in nodes}
    assert {"Jurisdiction", "MarketingAuthorisation", "MedicinalProduct"} <= types
    assert graphview.product_node("examplecabtagene-autoleucel") not in nodes  # authorised in China only
    everything = graphview.of_types(g, graphview.DEFAULT_TYPES)
    pos = graphview.grouped_layout(g, everything)
    assert set(pos) == everything
    places = [n for n in everything if g.nodes[n]["type"] == "Jurisdiction"]
    radius = {round(math.hypot(*pos[p])) for p in places}
    assert len(radius) == 1  # the jurisdictions on one circle
    r = radius.pop()
    assert all(math.hypot(*xy) <= 1.26 * r for xy in pos.values())  # no outlier zooms the view out


def test_a_products_part_of_the_graph_draws_what_the_whole_graph_draws(fixture_oxi):
    """The Product page draws a product's neighbourhood from its part of the graph (cut out of the
    node and link tables), not from the whole graph: the same nodes, links and positions."""
    nodes_table, edges_table = graphview.tables(fixture_oxi)
    whole = graphview.from_tables(nodes_table, edges_table)
    products = [h.product_id for h in explore.products(fixture_oxi)]
    assert len(products) >= 3
    for pid in products:
        part = graphview.product_graph(nodes_table, edges_table, pid)
        assert part.number_of_nodes() < whole.number_of_nodes()
        for types in (None, list(graphview.COLOURS)):
            nodes = graphview.product_neighbourhood(whole, pid, types)
            assert len(nodes) > 1 and graphview.product_neighbourhood(part, pid, types) == nodes
            pos = graphview.layout(whole, nodes)
            assert graphview.layout(part, nodes) == pos
            assert graphview.elements(part, nodes, pos) == graphview.elements(whole, nodes, pos)


def test_facet_counts_are_what_choosing_each_value_would_show(fixture_oxi):
    """Each count beside a facet value is the number of rows the table shows when that value alone is
    chosen for its facet (text and the other facets kept), checked by filtering for every value."""
    rows = explore.search_rows(fixture_oxi)
    for text, selected in [("", {}), ("car t", {}), ("", {"jurisdiction": ["US", "CN"]}),
                           ("", {"jurisdiction": ["US"], "status": ["authorised"]}), ("zzz", {"status": ["x"]})]:
        counts = explore.facet_counts(rows, text, selected)
        for facet in explore.FACETS:
            expected = {v: len(explore.filter_rows(rows, text, {**selected, facet: [v]}))
                        for v in explore.facet_options(rows)[facet]}
            got = dict(counts[facet])
            assert {v: n for v, n in got.items() if n} == {v: n for v, n in expected.items() if n}, (text, facet)
            assert all(got.get(v) == 0 for v in selected.get(facet, []) if not expected.get(v))
