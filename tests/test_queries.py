"""Library queries give the answers known for the fixture graph."""

from __future__ import annotations

import pytest

from cgt_graph.sparql import library as q
from cgt_graph.graph.build import build
from cgt_graph.graph.store import open_read_only


def test_every_library_query_has_title_description_and_runs(fixture_oxi):
    lib = q.library()
    assert len(lib) >= 15
    for name, lq in lib.items():
        assert lq.title and lq.description, name
        result = q.run_named(fixture_oxi, name)
        assert result.columns, name


def test_car_t_authorisations_where_when_pathway_class_source(fixture_oxi):
    rows = q.run_named(fixture_oxi, "authorisations-by-modality", {"modality": "car-t"}).dicts()
    got = {(r["product_id"], r["jurisdiction"]): r for r in rows}
    assert set(got) == {("testcabtagene-autoleucel", "US"), ("testcabtagene-autoleucel", "EU"),
                        ("testcabtagene-autoleucel", "CN"), ("examplecabtagene-autoleucel", "CN")}
    eu = got[("testcabtagene-autoleucel", "EU")]
    assert eu["decision_date"] == "2019-06"  # month precision kept
    assert eu["pathways"] == "fx-eu-conditional-ma"
    assert eu["classification"] == "fx-eu-gtmp"
    assert eu["sources"] == "https://example.org/eu/register"
    assert got[("testcabtagene-autoleucel", "US")]["pathways"] == "fx-us-rmat"  # designation counted
    assert got[("examplecabtagene-autoleucel", "CN")]["status"] == "withdrawn"


def test_broader_modality_includes_narrower(fixture_oxi):
    rows = q.run_named(fixture_oxi, "authorisations-by-modality", {"modality": "gene-therapy"}).dicts()
    assert {r["product_id"] for r in rows} == {"demogene-parvovec"}


def test_product_history_is_in_date_order(fixture_oxi):
    rows = q.run_named(fixture_oxi, "product-history", {"product": "testcabtagene-autoleucel"}).dicts()
    assert [(r["date"], r["jurisdiction"], r["event"]) for r in rows] == [
        ("2017-05-02", "US", "designated"), ("2018-03-15", "US", "authorised"),
        ("2019-06", "EU", "authorised"), ("2021-02-01", "CN", "authorised")]


def test_claims_compared_with_graph(fixture_oxi):
    rows = {r["claim"]: r for r in q.run_named(fixture_oxi, "claims-vs-graph").dicts()}
    assert (rows["fx-claim-cn-car-t"]["claimed"], rows["fx-claim-cn-car-t"]["in_graph"]) == ("3", "2")
    assert (rows["fx-claim-cn-car-t-2020"]["claimed"], rows["fx-claim-cn-car-t-2020"]["in_graph"]) == ("1", "1")


def test_parameters_are_typed_not_spliced(fixture_oxi):
    with pytest.raises(q.QueryError, match="must be a modality id"):
        q.run_named(fixture_oxi, "authorisations-by-modality", {"modality": "car-t> } ; DROP ALL ; #"})
    with pytest.raises(q.QueryError, match="has no parameter"):
        q.run_named(fixture_oxi, "authorisations-by-modality", {"nope": "x"})


def test_syntax_error_is_a_query_error(fixture_oxi):
    with pytest.raises(q.QueryError, match="syntax"):
        q.run(fixture_oxi, "SELECT WHERE {")


def test_designation_granted_after_the_decision_is_not_its_pathway(fixture_oxi):
    rows = q.run_named(fixture_oxi, "authorisations-by-modality", {"modality": "aav"}).dicts()
    us = next(r for r in rows if r["jurisdiction"] == "US")
    assert us["pathways"] == "fx-us-priority-review"  # the 2021 RMAT came after the 2019 approval
    history = q.run_named(fixture_oxi, "product-history", {"product": "demogene-parvovec"}).dicts()
    assert ("2021-07-01", "US", "designated") in [(r["date"], r["jurisdiction"], r["event"]) for r in history]


def test_lag_from_first_authorisation(fixture_oxi):
    rows = q.run_named(fixture_oxi, "lag-to-later-jurisdictions").dicts()
    alpha = {r["jurisdiction"]: r for r in rows if r["product_id"] == "testcabtagene-autoleucel"}
    assert {j: (r["first_jurisdiction"], r["lag_months"], r["precision"]) for j, r in alpha.items()} == {
        "US": ("US", "0", "day"), "EU": ("US", "15", "month"), "CN": ("US", "35", "day")}
    gamma = {r["jurisdiction"]: r["lag_months"] for r in rows if r["product_id"] == "demogene-parvovec"}
    assert gamma == {"EU": "0", "US": "25"}  # EU 2017-11-30 first, US 2019-12-01


def test_pathway_use_by_agency_and_year(fixture_oxi):
    rows = q.run_named(fixture_oxi, "pathway-use-by-agency-year").dicts()
    got = {(r["pathway"], r["use"], r["year"]): int(r["count"]) for r in rows}
    assert got == {("fx-us-rmat", "designation", "2017"): 1, ("fx-us-rmat", "designation", "2021"): 1,
                   ("fx-us-priority-review", "decision", "2019"): 1, ("fx-eu-conditional-ma", "decision", "2019"): 1,
                   ("fx-cn-priority-review", "decision", "2021"): 1}


def test_classification_crosswalk(fixture_oxi):
    rows = {r["product_id"]: r for r in q.run_named(fixture_oxi, "classification-crosswalk").dicts()}
    assert (rows["testcabtagene-autoleucel"]["EU"], rows["testcabtagene-autoleucel"]["US"],
            rows["testcabtagene-autoleucel"]["CN"]) == ("fx-eu-gtmp", "not-classified", "not-classified")
    assert rows["examplecabtagene-autoleucel"]["EU"] is None  # no EU authorisation at all


def test_ended_and_unconverted_conditional(fixture_oxi):
    rows = q.run_named(fixture_oxi, "ended-and-unconverted").dicts()
    assert {(r["authorisation_id"], r["reason"], r["since"]) for r in rows} == {
        ("examplecabtagene-autoleucel-cn", "no longer in force", "2022-01"),
        ("testcabtagene-autoleucel-eu", "conditional, not converted", None)}


def test_news_only_facts(fixture_oxi):
    rows = q.run_named(fixture_oxi, "news-only-facts").dicts()
    records = {r["record"] for r in rows}
    assert "authorisation/examplecabtagene-autoleucel-cn" in records
    assert "product/examplecabtagene-autoleucel" in records
    assert "claim/fx-claim-cn-car-t" in records
    assert "authorisation/testcabtagene-autoleucel-us" not in records  # official source
    assert all(r["sources"] == "https://example.org/cn/news" for r in rows)


def test_worldwide_claim_with_a_pathway_counts_only_products_that_used_it(data_copy, tmp_path):
    """A claim with no jurisdiction but a pathway counts products first authorised in the
    period that went through that pathway (a decision or a designation), not every product."""
    claims = data_copy / "claims" / "fixture.yaml"
    claims.write_text(claims.read_text() + """
- id: fx-claim-world-conditional
  statement: One product was first approved worldwide through a conditional authorisation.
  pathway: fx-eu-conditional-ma
  metric: authorised-product-count
  value: 1
  as_of: 2022
  sources:
    - source: fx-cn-news
      quote: One product through a conditional authorisation.
      confidence: low
""")
    store = tmp_path / "store"
    build(store, data_copy)
    rows = {r["claim"]: r for r in q.run_named(open_read_only(store), "claims-vs-graph").dicts()}
    assert rows["fx-claim-world-conditional"]["pathway"] == "fx-eu-conditional-ma"
    assert rows["fx-claim-world-conditional"]["in_graph"] == "1"


def test_the_library_is_parsed_once_and_sees_a_query_added_later(tmp_path):
    (tmp_path / "first.rq").write_text("# title: First\n# description: one\nSELECT * WHERE { ?s ?p ?o }\n")
    lib = q.library(tmp_path)
    assert list(lib) == ["first"]
    assert q.library(tmp_path)["first"] is lib["first"]  # not parsed again
    (tmp_path / "second.rq").write_text("# title: Second\n# description: two\nASK { ?s ?p ?o }\n")
    assert list(q.library(tmp_path)) == ["first", "second"]


def test_a_converted_conditional_authorisation_is_one_conversion_row_and_no_longer_unconverted(data_copy, tmp_path):
    """conversions and ended-and-unconverted read an authorisation from two sides (its conditional
    pathway, its conversion event): a conditional decision that was converted gives one row with both,
    a conversion without a conditional pathway one row with the pathway empty, and the converted one
    leaves the unconverted list."""
    eu = data_copy / "authorisations" / "EU.yaml"
    text = eu.read_text()
    event = """  events:
  - type: converted-to-standard
    date: 2021-05-03
    sources:
    - source: fx-eu-register
      quote: Converted to a standard marketing authorisation.
"""
    for anchor in ("      quote: Alphacel conditional marketing authorisation, June 2019.\n",
                   "      quote: Gammavec authorised 30 November 2017.\n"):
        assert anchor in text
        text = text.replace(anchor, anchor + event)
    eu.write_text(text)
    store = tmp_path / "store"
    build(store, data_copy)
    oxi = open_read_only(store)
    rows = q.run_named(oxi, "conversions").dicts()
    by_id = {a: [(r["pathway"], r["event"], r["event_date"]) for r in rows if r["authorisation_id"] == a]
             for a in ("testcabtagene-autoleucel-eu", "demogene-parvovec-eu")}
    assert by_id == {"testcabtagene-autoleucel-eu": [("fx-eu-conditional-ma", "converted-to-standard", "2021-05-03")],
                     "demogene-parvovec-eu": [("", "converted-to-standard", "2021-05-03")]}
    unconverted = [r["authorisation_id"] for r in q.run_named(oxi, "ended-and-unconverted").dicts()
                   if r["reason"] == "conditional, not converted"]
    assert "testcabtagene-autoleucel-eu" not in unconverted
