"""Quality checks over the real curated data (data/): each failure names the record."""

from __future__ import annotations


import pytest

from cgt_graph.graph.build import compile_data
from cgt_graph.curation.checks import Index, check
from cgt_graph.curation.load import load_records
from cgt_graph.sparql.library import run_named

from .conftest import REAL_DATA


@pytest.fixture(scope="module")
def records():
    recs, problems = load_records(REAL_DATA)
    assert not problems, "\n".join(map(str, problems))
    return recs


def test_real_data_passes_every_rule(records):
    problems = check(records)
    assert not problems, "\n".join(map(str, problems))


def test_real_data_conforms_to_shapes():
    compile_data(REAL_DATA)  # raises DataError listing every problem


def test_seed_entities_are_in_the_graph(records):
    """Every agency, pathway, classification scheme and product group the seed articles name."""
    idx = Index(records)
    for kind, key in [
        ("agency", "fda"), ("agency", "ema"), ("agency", "nmpa"), ("agency", "nmpa-cde"), ("agency", "pmda"),
        ("agency", "mhlw"), ("pathway", "us-rmat"), ("pathway", "us-accelerated-approval"),
        ("pathway", "eu-prime"), ("pathway", "cn-breakthrough-therapy"), ("pathway", "cn-30-day-ind-review"),
        ("scheme", "cn-atmp-2025-draft"), ("scheme", "eu-atmp"), ("scheme", "jp-pmd-act"), ("scheme", "us-fda"),
        ("modality", "car-t"), ("modality", "small-nucleic-acid"), ("modality", "gene-therapy"),
        ("modality", "stem-cell-therapy"), ("modality", "oncolytic-virus"),
    ]:
        assert idx.get(kind, key) is not None, f"seed entity missing: {kind} {key}"
    claims = [r for r in records if r.kind == "claim"]
    assert any(r.data.get("value") == 14 and r.data.get("jurisdiction") == "CN" for r in claims)


def test_kymriah_facts_a_user_would_check(real_oxi):
    rows = run_named(real_oxi, "authorisations-by-modality", {"modality": "car-t"}).dicts()
    kym = {r["jurisdiction"]: r for r in rows if r["product_id"] == "tisagenlecleucel"}
    assert kym["US"]["decision_date"] == "2017-08-30"
    assert kym["EU"]["decision_date"] == "2018-08-22"
    assert kym["US"]["decision_date"] < kym["EU"]["decision_date"]


def test_china_claim_is_compared(real_oxi):
    rows = {r["claim"]: r for r in run_named(real_oxi, "claims-vs-graph").dicts()}
    total = [r for r in rows.values() if r["claimed"] == "14" and r["jurisdiction"] == "CN"]
    assert total and int(total[0]["in_graph"]) > 0
