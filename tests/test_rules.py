"""The cross-record rules (src/cgt_graph/queries/checks/*-violation.rq): each broken once, in a copy
of the fictional fixture data, and named by file, line and rule. Each case is named after its fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from cgt_graph.graph.rules import rules

PRODUCT = """id: orphanogene-vec
nonproprietary_name: orphanogene vec
modalities: [aav]
sources:
- source: fx-us-list
  quote: Orphanogene vec is listed but was never approved.
"""
SCHEME = """scheme:
  id: fx-us-classes
  name: Fixture US classes
  jurisdiction: US
  sources:
  - source: fx-us-list
    quote: The fixture US classes.
classes:
- id: fx-us-gt
  label: Fixture US gene therapy
  broader: fx-eu-gtmp
  definition: A gene therapy in the fixture US scheme.
  sources:
  - source: fx-us-list
    quote: The fixture US gene therapy class.
"""
MILESTONE = """- authorisation: demogene-parvovec-us
  milestone: submission
  date: 2019-01-10
  indication: fx-alphacel-us-second-line
  sources:
  - source: fx-us-list
    quote: Gammavec application submitted January 2019.
"""

# name: (file, old text, new text (None: create the file with `old` as its content), rule, text on the reported line)
CASES = {
    "before-agency": ("authorisations/CN.yaml", "decision_date: 2020-05-20", "decision_date: 2016-05-20",
                      "before-agency", "decision_date: 2016-05-20"),
    "pathway-of-another-jurisdiction": ("authorisations/CN.yaml", "pathways: [fx-cn-priority-review]",
                                        "pathways: [fx-us-priority-review]", "jurisdiction-mismatch",
                                        "pathways: [fx-us-priority-review]"),
    "event-before-decision": ("authorisations/CN.yaml", "      date: 2022-01\n", "      date: 2019-01\n",
                              "date-order", "  events:"),
    "withdrawn-without-a-date": ("authorisations/US.yaml", "status: authorised", "status: withdrawn",
                                 "status-date", "status: withdrawn"),
    "product-without-authorisation": ("products/orphanogene-vec.yaml", PRODUCT, None, "no-authorisation",
                                      "id: orphanogene-vec"),
    "two-sources-one-url": ("sources/fixture.yaml", "url: https://example.org/cn/news", "url: https://example.org/eu/register/",
                            "duplicate-url", "url: https://example.org/"),
    "two-products-one-inn": ("products/testcabtagene-autoleucel.yaml", "inn: testcabtagene autoleucel",
                             "inn: Demogene Parvovec", "duplicate-inn", "inn: Demogene Parvovec"),
    "broader-class-in-another-scheme": ("classifications/fx-us.yaml", SCHEME, None, "scheme-mismatch", "broader: fx-eu-gtmp"),
    "milestone-of-another-authorisations-indication": ("milestones/US.yaml", MILESTONE, "append", "indication-mismatch",
                                                       "indication: fx-alphacel-us-second-line"),
    "milestone-after-decision": ("milestones/US.yaml", "date: 2018-01-20", "date: 2018-04-20",
                                 "milestone-after-decision", "date: 2018-04-20"),
    "extension-before-approval": ("indications/US.yaml", "decision_date: 2020-01-10", "decision_date: 2017-01-10",
                                  "extension-before-approval", "decision_date: 2017-01-10"),
}


def _apply(data: Path, rel: str, old: str, new: str | None) -> Path:
    path = data / rel
    if new is None:
        path.write_text(old, encoding="utf-8")
    elif new == "append":
        path.write_text(path.read_text(encoding="utf-8") + old, encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_every_rule_has_a_description_and_a_broken_example():
    names = {r.name for r in rules()}
    assert names == {c[3] for c in CASES.values()}
    assert all(r.description for r in rules())


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_rule_is_named_by_file_line_and_rule(case, data_copy, cli):
    rel, old, new, rule, needle = CASES[case]
    path = _apply(data_copy, rel, old, new)
    code, _, err = cli("validate", "--no-shacl", "--data", str(data_copy))
    assert code == 1, err
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    hits = [p for p in err.splitlines() if f"[{rule}]" in p]
    assert hits, err
    assert any(f"data/{rel}:{n} " in h for h in hits for n in lines), (hits, lines)
