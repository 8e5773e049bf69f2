"""FHIR R5 RegulatedAuthorization resources, one per marketing authorisation, in a Bundle.

Mapping (docs/design.md): subject = the product (logical reference by our product IRI),
type = MarketingAuth, region = ISO 3166 code (`EU` is ISO's exceptionally reserved code),
status = FHIR publication-status (active / retired) plus our own status code, statusDate =
the status date, or the decision date while authorised, indication, holder (by name),
regulator (the deciding agency), identifier (our IRI and each regulator-issued number),
basis = the pathways of the decision, case = the application (history, #14): its period from the
start of the review (submission, acceptance or validation) to the decision, and one `application` per
procedure milestone and per status event, in date order; each dated indication decision (initial,
extension, line-of-therapy change, restriction, removal) is one more `indication`.

Each resource is validated by constructing it with `fhir.resources` (R5); the Bundle
(type collection) is written as JSON with sorted keys.
"""

from __future__ import annotations

import json
from typing import Any

from pyoxigraph import Store

from cgt_graph.errors import missing_extra
from cgt_graph.graph.vocab import CGT, ID
from cgt_graph.sparql.library import run_named
from cgt_graph.sparql.tables import read_table

try:
    from fhir.resources.bundle import Bundle
    from fhir.resources.regulatedauthorization import RegulatedAuthorization
except ImportError:
    raise missing_extra("fhir.resources", "fhir", "FHIR R5 output") from None

TYPE_SYSTEM = "http://hl7.org/fhir/regulated-authorization-type"
ISO_3166 = "urn:iso:std:iso:3166"
PUBLICATION_STATUS = "http://hl7.org/fhir/publication-status"
PUBLICATION = {"authorised": "active", "suspended": "active", "withdrawn": "retired", "expired": "retired",
               "revoked": "retired"}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


def resource(row: dict[str, str | None], identifiers: list[tuple[str, str]],
             events: list[dict[str, str | None]],
             history: list[dict[str, str | None]] | None = None) -> RegulatedAuthorization:
    aid = str(row["authorisation_id"])
    data: dict[str, Any] = {
        "resourceType": "RegulatedAuthorization",
        "id": aid,
        "identifier": [{"system": f"{ID}authorisation/", "value": aid}]
        + [{"system": prop, "value": value} for prop, value in identifiers],
        "subject": [{"identifier": {"system": f"{ID}product/", "value": row["product_id"]},
                     "type": "MedicinalProductDefinition",
                     "display": row["brand_name"] and f"{row['brand_name']} ({row['product_name']})" or row["product_name"]}],
        "type": {"coding": [_coding(TYPE_SYSTEM, "MarketingAuth", "Marketing Authorization")]},
        "region": [{"coding": [_coding(ISO_3166, str(row["jurisdiction"]))]}],
        "status": {"coding": [_coding(PUBLICATION_STATUS, PUBLICATION[str(row["status"])]),
                              _coding(str(CGT), str(row["status"]))]},
        "statusDate": row["status_date"] or row["decision_date"],
        "indication": [{"concept": {"text": row["indication"]}}],
        "holder": {"display": row["holder"]},
        "regulator": {"identifier": {"system": f"{ID}agency/", "value": row["agency_id"]},
                      "type": "Organization", "display": row["agency_name"]},
    }
    pathways = sorted(p for p in (row["pathways"] or "").split(";") if p)
    if pathways:
        data["basis"] = [{"coding": [_coding(f"{ID}pathway/", p)]} for p in pathways]
    # history (#14): milestones and events as the application's steps; indication decisions as indications
    history = history or []
    milestones = [h for h in history if h["kind"] == "milestone"]
    for h in history:
        if h["kind"] == "indication":
            data["indication"].append({"concept": {
                "coding": [_coding(str(CGT), f"change-{h['code']}")],
                "text": f"{h['code']} ({h['date']}): {h['text']}"}})
    steps: list[tuple[str, dict[str, Any]]] = [(str(h["sort_date"]), {"type": {"coding": [_coding(str(CGT), f"milestone-{h['code']}")],
                                             **({"text": f"for indication {h['indication_id']}"} if h.get("indication_id") else {})},
                                    "dateDateTime": h["date"]}) for h in milestones]
    steps += [(_sortable(str(e["date"])), {"type": {"coding": [_coding(str(CGT), str(e["event_type"]))],
                                                    **({"text": e["note"]} if e.get("note") else {})},
                                           "dateDateTime": e["date"]}) for e in events]
    if steps:
        starts = [h for h in milestones if h["code"] in ("submission", "acceptance", "validation") and not h.get("indication_id")]
        period: dict[str, Any] = {"end": row["decision_date"]}
        if starts:
            period["start"] = min(starts, key=lambda h: str(h["sort_date"]))["date"]
        data["case"] = {"type": {"text": "marketing authorisation application and status events"},
                        "datePeriod": period,
                        "application": [step for _, step in sorted(steps, key=lambda x: x[0])]}
    return RegulatedAuthorization.model_validate(data)


def _sortable(date: str) -> str:
    """'2022-01' -> '2022-01-01' (events carry the date as given; order by the first day of its period)."""
    parts = date.split("-")
    return "-".join(parts + ["01"] * (3 - len(parts)))


def bundle(store: Store) -> Bundle:
    idents: dict[str, list[tuple[str, str]]] = {}
    for r in run_named(store, "authorisation-identifiers").dicts():
        idents.setdefault(str(r["authorisation_id"]), []).append((str(r["property"]), str(r["value"])))
    events: dict[str, list[dict[str, str | None]]] = {}
    for r in run_named(store, "authorisation-events").dicts():
        events.setdefault(str(r["authorisation_id"]), []).append(r)
    history: dict[str, list[dict[str, str | None]]] = {}
    for r in run_named(store, "fhir-history").dicts():  # history (#14)
        history.setdefault(str(r["authorisation_id"]), []).append(r)
    entries: list[dict[str, Any]] = []
    for row in read_table(store, "fhir-authorisations").dicts():
        aid = str(row["authorisation_id"])
        res = resource(row, sorted(idents.get(aid, [])), events.get(aid, []), history.get(aid, []))
        entries.append({"fullUrl": f"{ID}authorisation/{aid}", "resource": res})
    entries.sort(key=lambda e: e["fullUrl"])
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})


def fhir_json(store: Store) -> bytes:
    b = bundle(store)
    data = json.loads(b.model_dump_json(exclude_none=True))
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def resource_count(data: bytes) -> int:
    return len(json.loads(data).get("entry", []))
