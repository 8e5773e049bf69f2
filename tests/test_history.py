"""Regulatory history (#14): milestones, indication decisions, negative outcomes, their exports and analyses,
on the fictional fixture graph whose answers are known (tests/fixtures/data/{milestones,indications,outcomes})."""

from __future__ import annotations

import csv
import io

from pyoxigraph import NamedNode

from cgt_graph.analysis import history as h

ID = "https://w3id.org/cgt-graph/id/"
CGT = "https://w3id.org/cgt-graph/ontology#"


def _csv(cli, store, table):
    code, out, err = cli("export", "--format", "csv", "--table", table, "--store", str(store))
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out))), out.splitlines()[0]


def test_milestone_iri_and_terms(fixture_oxi):
    m = NamedNode(f"{ID}milestone/testcabtagene-autoleucel-us-advisory-committee-2018-01-20")
    props = {str(p.value): str(o.value) for _, p, o, _ in fixture_oxi.quads_for_pattern(m, None, None)}
    assert props[f"{CGT}milestoneType"] == f"{CGT}milestone-advisory-committee"
    assert props[f"{CGT}authorisation"] == f"{ID}authorisation/testcabtagene-autoleucel-us"
    assert props[f"{CGT}detail"] == "10 to 0 in favour"
    assert props[f"{CGT}sortDate"] == "2018-01-20"
    # a variation's milestone names its indication in the IRI and links to it
    v = NamedNode(f"{ID}milestone/testcabtagene-autoleucel-us-submission-2019-04-01-fx-alphacel-us-second-line")
    links = {str(p.value): str(o.value) for _, p, o, _ in fixture_oxi.quads_for_pattern(v, None, None)}
    assert links[f"{CGT}forIndication"] == f"{ID}indication/fx-alphacel-us-second-line"


def test_indications_table_has_the_issue_columns_and_the_line_of_therapy(cli, fixture_store):
    rows, header = _csv(cli, fixture_store, "indications")
    assert header == "product_id,jurisdiction,agency,decision_date,change,indication,line_of_therapy,pathways,sources"
    second = [r for r in rows if r["change"] == "line-of-therapy"]
    assert len(rows) == 2 and len(second) == 1
    assert second[0] == {"product_id": "testcabtagene-autoleucel", "jurisdiction": "US", "agency": "FFDA",
                         "decision_date": "2020-01-10", "change": "line-of-therapy",
                         "indication": "large B-cell lymphoma refractory to or relapsed within 12 months of first-line therapy",
                         "line_of_therapy": "2", "pathways": "fx-us-priority-review",
                         "sources": "https://example.org/us/approved-products"}


def test_milestones_outcomes_events_tables(cli, fixture_store):
    rows, header = _csv(cli, fixture_store, "milestones")
    assert header == "product_id,jurisdiction,agency,milestone,date,detail,sources"
    assert len(rows) == 7
    assert {r["milestone"] for r in rows if r["jurisdiction"] == "EU"} == {"validation", "opinion"}
    assert [r["detail"] for r in rows if r["milestone"] == "advisory-committee"] == ["10 to 0 in favour"]
    rows, header = _csv(cli, fixture_store, "outcomes")
    assert header == "product_id,name,jurisdiction,agency,outcome,date,reason,sources"
    by_name = {r["name"]: r for r in rows}
    assert by_name["Deltacel"]["product_id"] == ""          # never authorised anywhere
    assert by_name["Deltacel"]["date"] == "2020-08"         # as precise as the source
    assert by_name["Gammavec"]["product_id"] == "demogene-parvovec"
    rows, header = _csv(cli, fixture_store, "events")
    assert header == "product_id,jurisdiction,agency,event,date,detail,sources"
    assert rows and all(r["sources"] for r in rows)


def test_review_times_median_quartiles_and_precision(fixture_oxi):
    pairs = {r["procedure_id"]: r for r in h.review_pairs(fixture_oxi)}
    # FDA: submission 2017-09-15 -> decision 2018-03-15; 2019-05-01 -> 2019-12-01
    assert pairs["testcabtagene-autoleucel-us"]["days"] == 181
    assert pairs["demogene-parvovec-us"]["days"] == 214
    # EU: validation 2018-07-26 -> Commission decision 2019-06 (month: counted from 2019-06-01)
    eu = pairs["testcabtagene-autoleucel-eu"]
    assert (eu["start"], eu["days"], eu["day_precision"]) == ("validation", 310, False)
    # a variation is its own procedure, ending at its indication decision
    assert pairs["fx-alphacel-us-second-line"]["days"] == 284
    rows = {r["group"]: r for r in h.review_times(fixture_oxi, "agency", "initial")}
    fda = rows["FFDA (US, submission->decision)"]
    assert (fda["n"], fda["n_day_precision"], fda["median_days"]) == (2, 2, 197.5)
    assert (fda["q1_days"], fda["q3_days"]) == (189.2, 205.8)


def test_extension_lag_and_outcome_counts(fixture_oxi):
    rows, summary = h.extension_lags(fixture_oxi)
    assert [(r["indication_id"], r["days_since_first_approval"]) for r in rows] == [("fx-alphacel-us-second-line", 666)]
    assert {s["group"]: s["n"] for s in summary} == {"US (all changes)": 1, "US line-of-therapy": 1}
    counts = {(r["agency"], r["year"], r["outcome"]): r["n"] for r in h.outcomes_by_agency_year(fixture_oxi)}
    assert counts == {("FFDA", "2019", "complete-response-letter"): "1", ("FFDA", "2020", "complete-response-letter"): "1"}


def test_analyse_command_prints_n_median_and_quartiles(cli, fixture_store):
    code, out, err = cli("analyse", "review-times", "--format", "csv", "--store", str(fixture_store))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"n", "median_days", "q1_days", "q3_days", "n_day_precision"} <= set(rows[0])
    assert "mean" not in out
    code, _, err = cli("analyse", "review-times", "--by", "nonsense", "--store", str(fixture_store))
    assert code == 2



def test_timing_claims_beside_the_graph_and_out_of_the_count_comparison(fixture_oxi):
    from cgt_graph.sparql.library import run_named

    counted = {r["claim"] for r in run_named(fixture_oxi, "claims-vs-graph").dicts()}
    assert "fx-claim-mean-approval-time-2018" not in counted and "fx-claim-cn-car-t" in counted
    rows = {r["claim"]: r for r in h.timing_claims(fixture_oxi)}
    mean = rows["fx-claim-mean-approval-time-2018"]
    # the one first authorisation decided in 2018 with a start date: 2017-09-15 -> 2018-03-15, 181 days
    assert (mean["graph_n"], mean["graph_median"], mean["graph_mean"], mean["unit"]) == (1, 5.9, 5.9, "months")
    assert mean["verdict"].startswith("too few procedures to test (n=1)")
    assert rows["fx-claim-trial-review-days"]["verdict"] == "cannot support: the graph holds no clinical trial applications"


def test_a_negative_claimed_duration_is_rejected(data_copy, cli):
    path = data_copy / "claims" / "timing.yaml"
    path.write_text(path.read_text().replace("value: 7.5", "value: -7.5"))
    code, _, err = cli("validate", "--data", str(data_copy))
    assert code == 1
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "value: -7.5" in text)
    assert f"claims/timing.yaml:{line}" in err and "[type]" in err


def test_fhir_case_carries_the_application_dates_and_indication_decisions(fixture_oxi):
    import json

    from fhir.resources.regulatedauthorization import RegulatedAuthorization

    from cgt_graph.publish.fhir import fhir_json

    res = {e["resource"]["id"]: e["resource"] for e in json.loads(fhir_json(fixture_oxi))["entry"]}
    alpha = res["testcabtagene-autoleucel-us"]
    RegulatedAuthorization.model_validate(alpha)
    assert alpha["case"]["datePeriod"] == {"start": "2017-09-15", "end": "2018-03-15"}
    steps = [(a["type"]["coding"][0]["code"], a["dateDateTime"]) for a in alpha["case"]["application"]]
    assert steps == [("milestone-submission", "2017-09-15"), ("milestone-advisory-committee", "2018-01-20"),
                     ("milestone-decision", "2018-03-15"), ("milestone-submission", "2019-04-01")]
    assert alpha["case"]["application"][3]["type"]["text"] == "for indication fx-alphacel-us-second-line"
    texts = [i["concept"]["text"] for i in alpha["indication"]]
    assert texts[2].startswith("line-of-therapy (2020-01-10): large B-cell lymphoma")
    # a month-precise validation stays month-precise in FHIR
    assert res["testcabtagene-autoleucel-eu"]["case"]["datePeriod"] == {"start": "2018-07-26", "end": "2019-06"}
