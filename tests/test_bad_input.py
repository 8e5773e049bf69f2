"""Bad data fails `validate` and `build` with a message naming file, line and rule,
and leaves the current store untouched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cgt_graph.graph.build import build
from cgt_graph.graph.store import open_read_only

from .conftest import FIXTURE_DATA


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1))


def _last_line_of(path: Path, needle: str) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert hits, needle
    return hits[-1]


CASES = {
    # name: (file, old, new, rule, line-needle, exit code)
    "missing-source": ("authorisations/US.yaml",
                       "  sources:\n    - source: fx-us-list\n      quote: ALPHACEL approved March 15, 2018.\n", "",
                       "required", "- product: testcabtagene-autoleucel", 1),
    "unknown-agency": ("authorisations/EU.yaml", "agency: fx-ec\n  brand_name: Alphacel", "agency: fx-emea\n  brand_name: Alphacel",
                       "unknown-agency", "agency: fx-emea", 1),
    "unknown-pathway": ("authorisations/EU.yaml", "pathways: [fx-eu-conditional-ma]", "pathways: [fx-eu-prime]",
                        "unknown-pathway", "pathways: [fx-eu-prime]", 1),
    "unknown-class": ("authorisations/EU.yaml", "classification: fx-eu-gtmp\n  identifiers", "classification: fx-eu-tep\n  identifiers",
                      "unknown-class", "classification: fx-eu-tep", 1),
    "impossible-date": ("authorisations/US.yaml", "decision_date: 2018-03-15", "decision_date: 2018-02-30",
                        "date-format", "decision_date: 2018-02-30", 1),
    "future-date": ("authorisations/US.yaml", "decision_date: 2018-03-15", "decision_date: 2099-01-01",
                    "future-date", "decision_date: 2099-01-01", 1),
    "before-agency": ("authorisations/CN.yaml", "decision_date: 2020-05-20", "decision_date: 2016-05-20",
                      "before-agency", "decision_date: 2016-05-20", 1),
    "duplicate-id": ("sources/fixture.yaml", "- id: fx-eu-register", "- id: fx-us-list",
                     "duplicate-id", "- id: fx-us-list", 1),
    "wrong-type": ("claims/fixture.yaml", "value: 3", "value: three", "type", "value: three", 1),
    "bad-vocabulary": ("authorisations/CN.yaml", "status: withdrawn", "status: lapsed", "vocabulary", "status: lapsed", 1),
    # history (#14): one per new record kind
    "milestone-after-decision": ("milestones/US.yaml", "date: 2018-01-20", "date: 2018-04-20",
                                 "milestone-after-decision", "date: 2018-04-20", 1),
    "extension-before-approval": ("indications/US.yaml", "decision_date: 2020-01-10", "decision_date: 2017-01-10",
                                  "extension-before-approval", "decision_date: 2017-01-10", 1),
    "outcome-without-source": ("outcomes/US.yaml",
                               "  sources:\n    - source: fx-us-list\n      quote: A complete response letter was issued for DELTACEL in August 2020.\n",
                               "", "required", "- id: fx-deltacel-crl", 1),
    # every authorisation is classified (or says not-classified); every fact cites a known source with an http(s) URL
    "unclassified-authorisation": ("authorisations/EU.yaml", "  classification: fx-eu-gtmp\n  sources:\n    - source: fx-eu-register\n"
                                   "      quote: Gammavec", "  sources:\n    - source: fx-eu-register\n      quote: Gammavec",
                                   "required", "- product: demogene-parvovec", 1),
    "unknown-cited-source": ("products/demogene-parvovec.yaml", "  - source: fx-eu-register", "  - source: fx-nowhere",
                             "unknown-source", "- source: fx-nowhere", 1),
    "source-url-not-http": ("sources/fixture.yaml", "url: https://example.org/us/approved-products",
                            "url: ftp://example.org/us/approved-products", "url", "url: ftp://", 1),
    "malformed-yaml": ("authorisations/US.yaml", "  holder: Fixture Pharma Inc.", "  holder: [Fixture Pharma Inc.",
                       "yaml", None, 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_named_and_nothing_is_written(case, data_copy, tmp_path, fixture_store, cli):
    rel, old, new, rule, needle, code = CASES[case]
    path = data_copy / rel
    _edit(path, old, new)
    exit_code, out, err = cli("validate", "--data", str(data_copy))
    assert exit_code == code, err
    assert f"[{rule}]" in err, err
    assert rel in err
    if needle is not None:
        line = _last_line_of(path, needle.strip())
        assert re.search(rf"{re.escape(rel)}:{line}\b", err), (line, err)

    # build: same message, the published store is left as it was
    store = tmp_path / "store"
    build(store, FIXTURE_DATA)
    before = open_read_only(store)
    n_before = len(before)
    del before
    exit_code, _, err = cli("build", "--store", str(store), "--data", str(data_copy))
    assert exit_code == code
    assert f"[{rule}]" in err
    assert "nothing was written" in err
    after = open_read_only(store)
    assert len(after) == n_before


def test_a_quote_too_short_is_located(data_copy, cli):
    """The schema's pattern for a quote (at least three characters) is checked on the record,
    before any RDF is made, and named by file, line and field."""
    _edit(data_copy / "products/demogene-parvovec.yaml",
          "quote: Gammavec (demogene parvovec) is an AAV gene therapy.", "quote: ab")
    exit_code, _, err = cli("validate", "--data", str(data_copy))
    assert exit_code == 1
    line = _last_line_of(data_copy / "products/demogene-parvovec.yaml", "quote: ab")
    assert f"products/demogene-parvovec.yaml:{line} (demogene-parvovec): [type] sources.quote" in err


def test_unknown_field_is_rejected(data_copy, cli):
    _edit(data_copy / "products/demogene-parvovec.yaml", "modalities: [aav]", "modalities: [aav]\nmodality: aav")
    exit_code, _, err = cli("validate", "--data", str(data_copy))
    assert exit_code == 1
    assert "[unknown-key] unknown field 'modality'" in err


def test_news_source_needs_confidence(data_copy, cli):
    _edit(data_copy / "products/examplecabtagene-autoleucel.yaml", "    confidence: medium\n", "")
    exit_code, _, err = cli("validate", "--data", str(data_copy))
    assert exit_code == 1
    assert "[confidence-required]" in err
