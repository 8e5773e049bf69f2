"""`cgt-graph review`: the curator's queue, and "data as of" in `stats`."""

from __future__ import annotations

import csv
import datetime as dt
import io

from cgt_graph.graph.build import build


def _queue(cli, store) -> set[tuple[str, str]]:
    code, out, err = cli("review", "--format", "csv", "--store", str(store))
    assert code == 0, err
    return {(r["reason"], r["record"]) for r in csv.DictReader(io.StringIO(out))}


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_queue_names_each_record_and_reason(cli, data_copy, tmp_path):
    today = dt.date.today().isoformat()
    _edit(data_copy / "pathways/fixture.yaml", "  grants: Authorisation on less complete data with specific obligations.\n",
          "  grants: Authorisation on less complete data with specific obligations.\n  term_months: 12\n")
    _edit(data_copy / "authorisations/EU.yaml", "  brand_name: Gammavec\n", f"  brand_name: Gammavec\n  verified: {today}\n")
    store = tmp_path / "store"
    build(store, data_copy)
    queue = _queue(cli, store)
    alphacel = "authorisation/testcabtagene-autoleucel-eu"
    assert ("past-term", alphacel) in queue          # conditional since 2019-06, term 12 months, no event
    assert ("imprecise-date", alphacel) in queue     # decided 2019-06: month only
    assert ("not-verified", alphacel) in queue
    assert ("not-verified", "authorisation/demogene-parvovec-eu") not in queue  # verified today

    code, out, _ = cli("stats", "--store", str(store))
    assert f"Data as of {today}" in out

    # an event (the renewal) takes it out of past-term
    _edit(data_copy / "authorisations/EU.yaml", "  classification: fx-eu-gtmp\n",
          "  classification: fx-eu-gtmp\n  events:\n    - type: renewed\n      date: 2020-06\n"
          "      sources:\n        - source: fx-eu-register\n          quote: Alphacel renewed, June 2020.\n")
    build(store, data_copy)
    queue = _queue(cli, store)
    assert ("past-term", alphacel) not in queue
    assert ("imprecise-date", alphacel) in queue


def test_reasons_filter_and_summary(cli, fixture_store):
    code, out, _ = cli("review", "--summary", "--reason", "not-verified", "--format", "csv", "--store", str(fixture_store))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["reason"] for r in rows} == {"not-verified"}
    assert sum(int(r["records"]) for r in rows) > 5
