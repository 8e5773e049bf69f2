"""Network analyses on the fixture graph (answers computed by hand) and on the real data."""

from __future__ import annotations

import networkx as nx

from cgt_graph.analysis import network as nw

from .conftest import run_cli


def test_follow_network_edges_and_lags(fixture_oxi):
    g = nw.follow_network(nw.load(fixture_oxi))
    edges = {(u, v): (d["weight"], d["median_lag_days"], d["products"]) for u, v, d in g.edges(data=True)}
    # Alphacel: US 2018-03-15, EU 2019-06 (-> 2019-06-01), CN 2021-02-01; Gammavec: EU 2017-11-30, US 2019-12-01
    assert edges == {("US", "EU"): (1, 443.0, "testcabtagene-autoleucel"),
                     ("US", "CN"): (1, 1054.0, "testcabtagene-autoleucel"),
                     ("EU", "US"): (1, 731.0, "demogene-parvovec")}
    assert g["US"]["EU"]["coarse_dates"] == 1  # the EU date is known to the month only


def test_first_movers_and_centrality_order(fixture_oxi):
    auths = nw.load(fixture_oxi)
    firsts = {r["jurisdiction"]: r["first"] for r in nw.first_movers(auths)}
    assert firsts == {"US": 1, "EU": 1, "CN": 1}
    by_mod = {(r["group"], r["jurisdiction"]) for r in nw.first_movers(auths, "modality")}
    assert by_mod == {("cell-therapy", "US"), ("cell-therapy", "CN"), ("gene-therapy", "EU")}
    order = [r["jurisdiction"] for r in nw.centrality(nw.follow_network(auths))]
    assert order == ["US", "EU", "CN"]  # leads 2, 1, 0


def test_lags_single_and_expedited(fixture_oxi):
    auths = nw.load(fixture_oxi)
    lags = {r["jurisdiction"]: (r["n"], r["median"]) for r in nw.lag_distribution(auths)}
    assert lags == {"EU": (1, 443.0), "US": (1, 731.0), "CN": (1, 1054.0)}
    assert [r["product"] for r in nw.single_jurisdiction(auths)] == ["examplecabtagene-autoleucel"]
    effect = nw.expedited_effect(auths)
    assert effect.verdict.startswith("The data do not allow a comparison")


def test_projections(fixture_oxi):
    auths = nw.load(fixture_oxi)
    pj = nw.product_jurisdiction_graph(auths)
    assert nx.is_bipartite(pj) and pj.number_of_edges() == 6
    assert pj["product:testcabtagene-autoleucel"]["jurisdiction:EU"]["classification"] == "fx-eu-gtmp"
    co = nw.pathway_co_use(auths)
    assert set(co.nodes) == {"fx-us-rmat", "fx-us-priority-review", "fx-eu-conditional-ma", "fx-cn-priority-review"}
    sm = nw.sponsor_modality(auths)
    assert sm["sponsor:Fixture Pharma"]["modality:car-t"]["weight"] == 1


def test_real_data_us_approved_kymriah_before_the_eu(real_oxi):
    g = nw.follow_network(nw.load(real_oxi))
    assert "tisagenlecleucel" in g["US"]["EU"]["products"].split(";")
    assert not g.has_edge("EU", "US") or "tisagenlecleucel" not in g["EU"]["US"]["products"]


def test_cli_writes_graphml_and_gexf(fixture_store, tmp_path):
    for ext in ("graphml", "gexf"):
        out = tmp_path / f"follow.{ext}"
        res = run_cli("network", "follow", "--output", str(out), "--store", str(fixture_store))
        assert res.returncode == 0, res.stderr
        g = nx.read_graphml(out) if ext == "graphml" else nx.read_gexf(out)
        assert g.number_of_edges() == 3
    table = run_cli("network", "first-movers", "--format", "csv", "--store", str(fixture_store))
    assert table.stdout.splitlines()[0] == "group,jurisdiction,first,tied"
