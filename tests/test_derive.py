"""Derived facts (queries/derive/*.rq): computed once at build time into graph/derived,
validated with the rest, and what the tables and analyses read.

The fixture: testcabtagene-autoleucel is authorised in the US on 2018-03-15 (an RMAT
designation of 2017-05-02 before it), the EU in 2019-06 (month only) and CN on 2021-02-01;
demogene-parvovec in the EU on 2017-11-30 and the US on 2019-12-01 (priority review; its
RMAT designation of 2021-07-01 came after the decision).
"""

from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat, Store

from cgt_graph.curation.load import DataError
from cgt_graph.graph import derive as dv
from cgt_graph.graph.build import compile_data
from cgt_graph.sparql.library import run, run_named

from .conftest import FIXTURE_DATA

CGT = "https://w3id.org/cgt-graph/ontology#"
DERIVED = "https://w3id.org/cgt-graph/graph/derived"


def _store(data) -> Store:
    store = Store()
    store.bulk_load(compile_data(data).nquads, format=RdfFormat.N_QUADS)
    return store


def _effective(store: Store, product: str, jurisdiction: str) -> set[str]:
    res = run(store, f"""PREFIX cgt: <{CGT}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?code WHERE {{ GRAPH <{DERIVED}> {{ ?a cgt:effectivePathway ?pw }}
          ?a cgt:product/cgt:code "{product}" ; cgt:jurisdiction/skos:notation "{jurisdiction}" . ?pw cgt:code ?code }}""")
    return {r[0] or "" for r in res.rows}


def test_every_rule_says_what_it_derives():
    rules = dv.rules()
    assert [r.name for r in rules] == ["authorisation-citations", "effective-pathways", "first-authorisations", "lags",
                                      "product-modalities"]
    assert all(len(r.description) > 40 and "CONSTRUCT" in r.text for r in rules)


def test_effective_pathways_count_a_designation_only_if_granted_on_or_before_the_decision(fixture_oxi):
    assert _effective(fixture_oxi, "testcabtagene-autoleucel", "US") == {"fx-us-rmat"}  # designation before
    assert _effective(fixture_oxi, "demogene-parvovec", "US") == {"fx-us-priority-review"}  # own; RMAT came later
    assert _effective(fixture_oxi, "testcabtagene-autoleucel", "EU") == {"fx-eu-conditional-ma"}  # own; no EU designation
    rows = {r["authorisation_id"]: r["pathways"] for r in run_named(fixture_oxi, "authorisations-table").dicts()}
    assert rows["demogene-parvovec-us"] == "fx-us-priority-review"


def test_first_authorisations_and_lags_in_days(fixture_oxi):
    firsts = {r["product_id"]: (r["jurisdiction"], r["first_date"], r["precision"], r["tied"])
              for r in run_named(fixture_oxi, "first-authorisations").dicts()}
    assert firsts["testcabtagene-autoleucel"] == ("US", "2018-03-15", "day", "false")
    assert firsts["demogene-parvovec"] == ("EU", "2017-11-30", "day", "false")
    lags = {(r["product_id"], r["first_jurisdiction"], r["jurisdiction"]): (r["lag_days"], r["precision"], r["expedited"])
            for r in run_named(fixture_oxi, "lags").dicts()}
    assert lags == {
        ("testcabtagene-autoleucel", "US", "EU"): ("443", "month", "true"),  # 2019-06 counts from 2019-06-01; conditional MA
        ("testcabtagene-autoleucel", "US", "CN"): ("1054", "day", "true"),  # priority review in CN
        ("demogene-parvovec", "EU", "US"): ("731", "day", "true"),
    }


def test_ties_are_all_first_and_repeat_decisions_are_no_new_arrival(data_copy):
    eu = data_copy / "authorisations" / "EU.yaml"
    eu.write_text(eu.read_text(encoding="utf-8").replace("decision_date: 2019-06\n", "decision_date: 2018-03-15\n"),
                  encoding="utf-8")
    (data_copy / "milestones" / "EU.yaml").unlink()  # its review milestones fall after the moved decision
    store = _store(data_copy)
    firsts = {(r["jurisdiction"], r["tied"]) for r in run_named(store, "first-authorisations").dicts()
              if r["product_id"] == "testcabtagene-autoleucel"}
    assert firsts == {("US", "true"), ("EU", "true")}
    lags = {(r["first_jurisdiction"], r["jurisdiction"], r["lag_days"]) for r in run_named(store, "lags").dicts()
            if r["product_id"] == "testcabtagene-autoleucel"}
    assert lags == {("US", "CN", "1054"), ("EU", "CN", "1054")}  # no lag between the tied first movers


def test_derived_facts_are_validated_and_reported_at_the_record(monkeypatch):
    bad = dv.Rule("bad", "a precision outside the vocabulary",
                  f'PREFIX cgt: <{CGT}> CONSTRUCT {{ ?p cgt:firstAuthorisationPrecision "week" }} '
                  'WHERE { ?p a cgt:MedicinalProduct ; cgt:code "demogene-parvovec" }')
    monkeypatch.setattr(dv, "rules", lambda directory=None: [bad])
    with pytest.raises(DataError) as err:
        compile_data(FIXTURE_DATA)
    (problem,) = err.value.problems
    assert problem.rule == "shacl:InConstraintComponent"
    assert problem.file.endswith("products/demogene-parvovec.yaml") and problem.line and problem.record == "demogene-parvovec"
