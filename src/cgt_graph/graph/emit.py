"""Turn checked records into RDF: one named graph per data file.

IRIs follow docs/iris.md: `https://w3id.org/cgt-graph/id/<kind>/<id>`; nodes
that belong to a record (citations, events) hang below the record's IRI.
"""

from __future__ import annotations

from typing import Iterator

from rdflib import Literal, URIRef

from cgt_graph.curation.checks import NOT_CLASSIFIED, Index, end_of_period, parse_date, record_key
from cgt_graph.curation.load import Node, Record
from cgt_graph.graph.nquads import Emitter
from cgt_graph.graph.vocab import (
    CGT, SCHEMA, WD, RDF, RDFS, SKOS, XSD, DCTERMS, _IDENT, _EVENT, iri, graph_iri,
)


def _by_file(records: list[Record]) -> dict[str, list[Record]]:
    by_file: dict[str, list[Record]] = {}
    for rec in records:
        by_file.setdefault(rec.file, []).append(rec)
    return by_file


def record_nquads(records: list[Record], idx: Index) -> Iterator[tuple[str, list[str]]]:
    """(file, N-Quads lines in the file's named graph) per data file, in file order.

    No rdflib terms are stored, so the cost stays linear at 100x the real graph.
    """
    by_file = _by_file(records)
    for file in sorted(by_file):
        em = Emitter(idx, str(graph_iri(file)))
        for rec in by_file[file]:
            _emit(em, rec)
        yield file, list(em.lines)


Location = tuple[str, int, str]
"""(data file, line, record id) of the record a subject IRI belongs to."""


def record_locations(records: list[Record]) -> dict[str, Location]:
    """Record IRI -> where the record was read: the side map error messages use.

    Where a record came from is curator bookkeeping, not a fact: it stays out of the RDF
    (exports, releases and diffs carry none of it).
    """
    return {str(iri(rec.kind, record_key(rec))): (rec.file, rec.line, record_key(rec)) for rec in records}


def record_field_lines(records: list[Record]) -> dict[str, dict[str, int]]:
    """Record IRI -> the line of each of its YAML keys (for the rules' messages)."""
    return {str(iri(rec.kind, record_key(rec))): dict(rec.data.key_lines) for rec in records}


def _emit(em: Emitter, rec: Record) -> None:  # noqa: C901 - one branch per kind, kept flat
    d: Node = rec.data
    key = record_key(rec)
    s = iri(rec.kind, key)
    a = em.add
    a(s, CGT.code, key)
    em.date(s, CGT.verified, d.get("verified"))
    k = rec.kind
    if k == "jurisdiction":
        a(s, RDF.type, CGT.Jurisdiction)
        a(s, RDFS.label, d["name"])
        a(s, SKOS.notation, d["code"])
        for alt in d.get("other_names") or []:
            a(s, SKOS.altLabel, alt)
        if d.get("wikidata"):
            a(s, CGT.wikidata, WD[d["wikidata"]])
        return
    if k == "modality":
        a(s, RDF.type, CGT.Modality)
        a(s, RDF.type, SKOS.Concept)
        a(s, SKOS.prefLabel, Literal(d["label"], lang="en"))
        for alt in d.get("alt_labels") or []:
            a(s, SKOS.altLabel, Literal(alt, lang="en"))
        a(s, SKOS.definition, Literal(d["definition"], lang="en"))
        a(s, SKOS.inScheme, CGT.ModalityScheme)
        if d.get("broader"):
            a(s, SKOS.broader, iri("modality", d["broader"]))
        else:
            a(s, SKOS.topConceptOf, CGT.ModalityScheme)
        return
    if k == "source":
        a(s, RDF.type, CGT.Source)
        a(s, SCHEMA.url, Literal(d["url"], datatype=XSD.anyURI))
        a(s, DCTERMS.title, d["title"])
        a(s, DCTERMS.publisher, d["publisher"])
        em.date(s, DCTERMS.issued, d.get("published"))
        em.date(s, CGT.accessed, d.get("accessed"))
        a(s, CGT.evidenceLevel, CGT[d["evidence"]])
        a(s, DCTERMS.language, d.get("language"))
        a(s, CGT.note, d.get("note"))
        return
    if k == "agency":
        a(s, RDF.type, CGT.RegulatoryBody)
        a(s, RDFS.label, d["name"])
        a(s, SCHEMA.alternateName, d.get("acronym"))
        if d.get("name_original"):
            a(s, SCHEMA.alternateName, d["name_original"])
        a(s, CGT.jurisdiction, iri("jurisdiction", d["jurisdiction"]))
        for r in d.get("roles") or []:
            a(s, CGT.role, CGT[r])
        if d.get("part_of"):
            a(s, CGT.partOf, iri("agency", d["part_of"]))
        if d.get("predecessor"):
            a(s, CGT.predecessor, iri("agency", d["predecessor"]))
        em.date(s, CGT.established, d.get("established"))
        em.date(s, CGT.ended, d.get("ended"))
        if d.get("homepage"):
            a(s, SCHEMA.url, Literal(d["homepage"], datatype=XSD.anyURI))
    elif k == "pathway-kind":
        a(s, RDF.type, CGT.PathwayKind)
        a(s, RDF.type, SKOS.Concept)
        a(s, SKOS.prefLabel, Literal(d["name"], lang="en"))
        a(s, SKOS.definition, Literal(d["definition"], lang="en"))
        a(s, SKOS.inScheme, CGT.PathwayScheme)
        a(s, SKOS.topConceptOf, CGT.PathwayScheme)
        return
    elif k == "pathway":
        a(s, RDF.type, CGT.Pathway)
        a(s, RDF.type, SKOS.Concept)
        a(s, SKOS.prefLabel, Literal(d["name"], lang="en"))
        a(s, SKOS.altLabel, d.get("acronym"))
        a(s, SKOS.altLabel, d.get("name_original"))
        a(s, SKOS.inScheme, CGT.PathwayScheme)
        a(s, CGT.jurisdiction, iri("jurisdiction", d["jurisdiction"]))
        a(s, CGT.agency, iri("agency", d["agency"]))
        a(s, CGT.kind, iri("pathway-kind", d["kind"]))
        a(s, SKOS.broader, iri("pathway-kind", d["kind"]))
        em.date(s, CGT.introduced, d.get("introduced"))
        em.date(s, CGT.ended, d.get("ended"))
        a(s, CGT.legalBasis, d.get("legal_basis"))
        a(s, CGT.grants, d.get("grants"))
        a(s, CGT.termMonths, d.get("term_months"))
        for m in d.get("close_match") or []:
            a(s, SKOS.closeMatch, iri("pathway", m))
    elif k == "scheme":
        a(s, RDF.type, CGT.ClassificationScheme)
        a(s, RDF.type, SKOS.ConceptScheme)
        a(s, SKOS.prefLabel, Literal(d["name"], lang="en"))
        a(s, SKOS.altLabel, d.get("name_original"))
        a(s, CGT.jurisdiction, iri("jurisdiction", d["jurisdiction"]))
        if d.get("policy"):
            a(s, CGT.definedBy, iri("policy", d["policy"]))
    elif k == "class":
        scheme = iri("scheme", str(rec.extra["scheme"]))
        a(s, RDF.type, CGT.RegulatoryClass)
        a(s, RDF.type, SKOS.Concept)
        a(s, SKOS.prefLabel, Literal(d["label"], lang="en"))
        a(s, SKOS.altLabel, d.get("label_original"))
        a(s, SKOS.definition, Literal(d["definition"], lang="en"))
        a(s, SKOS.inScheme, scheme)
        if d.get("broader"):
            a(s, SKOS.broader, iri("class", d["broader"]))
        else:
            a(s, SKOS.topConceptOf, scheme)
        for m in d.get("close_match") or []:
            a(s, SKOS.closeMatch, iri("class", m))
        for m in d.get("exact_match") or []:
            a(s, SKOS.exactMatch, iri("class", m))
    elif k == "product":
        a(s, RDF.type, CGT.MedicinalProduct)
        brands = d.get("brand_names") or []
        name = d["nonproprietary_name"]
        a(s, RDFS.label, f"{brands[0]} ({name})" if brands else (f"{name} ({d['developer']})" if d.get("developer") else name))
        a(s, CGT.inn, d.get("inn"))
        a(s, CGT.nonproprietaryName, name)
        for b in brands:
            a(s, CGT.brandName, b)
        for o in d.get("other_names") or []:
            a(s, SCHEMA.alternateName, o)
        for m in d.get("modalities") or []:
            a(s, CGT.modality, iri("modality", m))
        a(s, CGT.developer, d.get("developer"))
        a(s, DCTERMS.description, d.get("description"))
        for ik, iv in (d.get("identifiers") or {}).items():
            if ik == "wikidata":
                a(s, CGT.wikidata, WD[str(iv)])
            else:
                a(s, _IDENT[ik], str(iv))
    elif k == "authorisation":
        a(s, RDF.type, CGT.MarketingAuthorisation)
        a(s, RDFS.label, f"{d.get('brand_name') or d['product']} in {d['jurisdiction']} ({d['decision_date']})")
        a(s, CGT.product, iri("product", d["product"]))
        a(s, CGT.jurisdiction, iri("jurisdiction", d["jurisdiction"]))
        a(s, CGT.decidedBy, iri("agency", d["agency"]))
        for r in d.get("reviewed_by") or []:
            a(s, CGT.reviewedBy, iri("agency", r))
        a(s, CGT.brandName, d.get("brand_name"))
        # the product carries every brand it is authorised under (supported by this record's sources)
        a(iri("product", d["product"]), CGT.brandName, d.get("brand_name"))
        em.date(s, CGT.decisionDate, d["decision_date"], sort=True)
        a(s, CGT.holderName, d["holder"])
        a(s, CGT.indication, d["indication"])
        a(s, CGT.status, CGT[d["status"]])
        em.date(s, CGT.statusDate, d.get("status_date"))
        for p in d.get("pathways") or []:
            a(s, CGT.pathway, iri("pathway", p))
        cls = d["classification"]
        a(s, CGT.classification, CGT.notClassified if cls == NOT_CLASSIFIED else iri("class", cls))
        if d.get("classification_sources"):
            node = URIRef(f"{s}/classification")
            a(s, CGT.classificationAssignment, node)
            a(node, RDF.type, CGT.ClassAssignment)
            a(node, CGT.classification, CGT.notClassified if cls == NOT_CLASSIFIED else iri("class", cls))
            em.citations(node, d["classification_sources"])
        for ik, iv in (d.get("identifiers") or {}).items():
            a(s, _IDENT[ik], str(iv))
        for ev in d.get("events") or []:
            node = URIRef(f"{s}/event/{ev['type']}-{ev['date']}")
            a(s, CGT.event, node)
            a(node, RDF.type, CGT.StatusEvent)
            a(node, CGT.eventType, CGT[_EVENT.get(ev["type"], ev["type"])])
            em.date(node, CGT.date, ev["date"], sort=True)
            a(node, CGT.note, ev.get("note"))
            em.citations(node, ev.get("sources"))
    elif k == "designation":
        pw = em.idx.get("pathway", str(d["pathway"]))
        a(s, RDF.type, CGT.Designation)
        a(s, CGT.product, iri("product", d["product"]))
        a(s, CGT.pathway, iri("pathway", d["pathway"]))
        if pw is not None:
            a(s, CGT.jurisdiction, iri("jurisdiction", pw.data["jurisdiction"]))
            a(s, CGT.decidedBy, iri("agency", pw.data["agency"]))
            a(s, RDFS.label, f"{pw.data['name']}: {d['product']}")
        if d.get("date"):
            em.date(s, CGT.date, d["date"], sort=True)
        a(s, CGT.indication, d.get("indication"))
        a(s, CGT.designationNumber, d.get("identifier"))
    elif k == "policy":
        a(s, RDF.type, CGT.PolicyDocument)
        a(s, DCTERMS.title, d["title"])
        a(s, RDFS.label, d["title"])
        a(s, DCTERMS.alternative, d.get("title_original"))
        a(s, CGT.policyType, CGT[d["type"]])
        a(s, CGT.agency, iri("agency", d["agency"]))
        a(s, CGT.jurisdiction, iri("jurisdiction", d["jurisdiction"]))
        em.date(s, CGT.date, d["date"], sort=True)
        a(s, CGT.policyStatus, d["status"])
        a(s, DCTERMS.abstract, d["summary"])
    elif k == "claim":
        a(s, RDF.type, CGT.Claim)
        a(s, SCHEMA.text, d["statement"])
        a(s, RDFS.label, d["statement"])
        if d.get("jurisdiction"):
            a(s, CGT.jurisdiction, iri("jurisdiction", d["jurisdiction"]))
        if d.get("modality"):
            a(s, CGT.claimedModality, iri("modality", d["modality"]))
        a(s, CGT.metric, d["metric"])
        if isinstance(d["value"], float):  # history (#14): timing claims may be decimal
            a(s, CGT.claimedValue, Literal(repr(d["value"]), datatype=XSD.decimal))
        else:
            a(s, CGT.claimedValue, d["value"])
        em.date(s, CGT.asOf, d["as_of"], sort=True)
        end = end_of_period(str(d["as_of"]))
        if end is not None:  # always: the checks refuse a malformed as_of before anything is emitted
            a(s, CGT.periodEnd, Literal(end.isoformat(), datatype=XSD.date))
        if d.get("period_start"):
            em.date(s, CGT.periodStart, d["period_start"])
            start = parse_date(str(d["period_start"]))
            assert start
            a(s, CGT.periodStartDate, Literal(start[0].isoformat(), datatype=XSD.date))
        if d.get("pathway"):
            a(s, CGT.claimedPathway, iri("pathway", d["pathway"]))
        if d.get("part_of"):
            a(s, DCTERMS.isPartOf, iri("claim", d["part_of"]))
    # history (#14) ----------------------------------------------------------------------
    elif k == "milestone":
        a(s, RDF.type, CGT.Milestone)
        a(s, RDFS.label, f"{d['milestone']}: {d['authorisation']} ({d['date']})")
        a(s, CGT.authorisation, iri("authorisation", d["authorisation"]))
        a(s, CGT.milestoneType, CGT[f"milestone-{d['milestone']}"])
        em.date(s, CGT.date, d["date"], sort=True)
        a(s, CGT.detail, d.get("detail"))
        if d.get("indication"):
            a(s, CGT.forIndication, iri("indication", d["indication"]))
    elif k == "indication":
        a(s, RDF.type, CGT.IndicationDecision)
        a(s, RDFS.label, f"{d['change']}: {d['authorisation']} ({d['decision_date']})")
        a(s, CGT.authorisation, iri("authorisation", d["authorisation"]))
        em.date(s, CGT.decisionDate, d["decision_date"], sort=True)
        a(s, CGT.indicationChange, CGT[f"change-{d['change']}"])
        a(s, CGT.indication, d["indication"])
        a(s, CGT.lineOfTherapy, d.get("line_of_therapy"))
        for p in d.get("pathways") or []:
            a(s, CGT.pathway, iri("pathway", p))
    elif k == "outcome":
        a(s, RDF.type, CGT.RegulatoryOutcome)
        a(s, RDFS.label, d["name"])
        if d.get("product"):
            a(s, CGT.product, iri("product", d["product"]))
        a(s, CGT.jurisdiction, iri("jurisdiction", d["jurisdiction"]))
        a(s, CGT.decidedBy, iri("agency", d["agency"]))
        a(s, CGT.outcomeType, CGT[f"outcome-{d['outcome']}"])
        em.date(s, CGT.date, d["date"], sort=True)
        a(s, CGT.reason, d.get("reason"))
    a(s, CGT.note, d.get("note"))
    em.citations(s, d.get("sources"))
