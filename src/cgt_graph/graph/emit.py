"""Turn checked records into RDF: one named graph per data file.

IRIs follow docs/iris.md: `https://w3id.org/cgt-graph/id/<kind>/<id>`; nodes
that belong to a record (citations, events) hang below the record's IRI.
"""

from __future__ import annotations

from typing import Any, Iterator

from rdflib import Literal, Namespace, URIRef
from rdflib import RDF as _RDF, RDFS as _RDFS, SKOS as _SKOS, XSD as _XSD
from rdflib.namespace import DCTERMS as _DCTERMS, PROV as _PROV

from cgt_graph.curation.checks import NOT_CLASSIFIED, Index, end_of_period, parse_date, record_key
from cgt_graph.curation.load import Node, Record


class _Terms(Namespace):
    """A namespace that makes each term once: `CGT.status` is looked up ~10^6 times at 100x."""

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        term = self.term(name)
        self.__dict__[name] = term
        return term


BASE = "https://w3id.org/cgt-graph/"
ID = _Terms(BASE + "id/")
GRAPH = _Terms(BASE + "graph/")
CGT = _Terms(BASE + "ontology#")
SCHEMA = _Terms("https://schema.org/")
WD = _Terms("http://www.wikidata.org/entity/")
RDF, RDFS, SKOS, XSD = _Terms(str(_RDF)), _Terms(str(_RDFS)), _Terms(str(_SKOS)), _Terms(str(_XSD))
DCTERMS, PROV = _Terms(str(_DCTERMS)), _Terms(str(_PROV))
ONTOLOGY_GRAPH = GRAPH["ontology"]

PREFIXES = {
    "cgt": str(CGT), "id": str(ID), "rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD),
    "skos": str(SKOS), "dct": str(DCTERMS), "prov": str(PROV), "schema": str(SCHEMA),
    "wd": str(WD), "owl": "http://www.w3.org/2002/07/owl#", "sh": "http://www.w3.org/ns/shacl#",
}
# one prefix per kind of record, so that Turtle shows product:kymriah, not id:product\/kymriah
PREFIXES.update({k: f"{ID}{k}/" for k in (
    "product", "authorisation", "designation", "agency", "jurisdiction", "pathway", "scheme",
    "class", "modality", "source", "policy", "claim",
    "milestone", "indication", "outcome")})  # history (#14): the last three

_PATH = {"jurisdiction": "jurisdiction", "modality": "modality", "source": "source",
         "agency": "agency", "pathway-kind": "pathway", "pathway": "pathway", "scheme": "scheme",
         "class": "class", "product": "product", "authorisation": "authorisation",
         "designation": "designation", "policy": "policy", "claim": "claim",
         # history (#14)
         "milestone": "milestone", "indication": "indication", "outcome": "outcome"}

_IDENT = {"fda-stn": CGT.fdaSTN, "fda-bla": CGT.fdaSTN, "ema-product-number": CGT.emaProductNumber,
          "nmpa-approval-number": CGT.nmpaApprovalNumber, "jp-approval-number": CGT.jpApprovalNumber,
          "din": CGT.din, "artg-id": CGT.artgId, "unii": CGT.unii, "chembl": CGT.chembl,
          "drugbank": CGT.drugbank, "cas": CGT.cas}
_EVENT = {"suspended": "event-suspended", "withdrawn": "event-withdrawn", "expired": "event-expired",
          "revoked": "event-revoked"}


def iri(kind: str, key: str) -> URIRef:
    return ID[f"{_PATH[kind]}/{key}"]


def graph_iri(file: str) -> URIRef:
    """data/authorisations/US.yaml -> .../graph/data/authorisations/US

    The first path part is whatever the data folder is called; the IRI always says `data/`,
    so a build from a copy of data/ elsewhere gives the same graph IRIs (stable across releases).
    """
    stem = file.rsplit(".", 1)[0]
    return GRAPH["data/" + stem.split("/", 1)[-1]]


_XSD_INTEGER = str(XSD.integer)
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_term(o: Any) -> str:
    """One RDF term in N-Triples syntax (IRIs, literals; the emitter makes no blank nodes)."""
    if isinstance(o, URIRef):
        return f"<{o}>"
    if isinstance(o, Literal):
        text = '"' + str(o).translate(_ESCAPES) + '"'
        if o.language:
            return f"{text}@{o.language}"
        if o.datatype is not None and str(o.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            return f"{text}^^<{o.datatype}>"
        return text
    if isinstance(o, str):
        return '"' + o.translate(_ESCAPES) + '"'
    if isinstance(o, int) and not isinstance(o, bool):
        return f'"{o}"^^<{_XSD_INTEGER}>'
    raise TypeError(f"cannot write {o!r} as an RDF term")


_XSD_DATE = str(_XSD.date)
_DATE_TYPES = {"day": _XSD_DATE, "month": str(_XSD.gYearMonth), "year": str(_XSD.gYear)}
_SORT_DATE = str(CGT.sortDate)
_PRECISION = str(CGT.datePrecision)


class _Emitter:
    """Turns record fields into N-Quads lines in one file's named graph (no rdflib graph is made).

    Lines are kept in insertion order without duplicates, as a graph would hold them.
    """

    def __init__(self, idx: Index, graph: str):
        self.idx = idx
        self.suffix = f" <{graph}> .\n"
        self.lines: dict[str, None] = {}

    def add(self, s: Any, p: Any, o: Any) -> None:
        if o is None or o == "":
            return
        self.lines[f"<{s}> <{p}> {nt_term(o)}{self.suffix}"] = None

    def date(self, s: URIRef, p: URIRef, value: Any, sort: bool = False) -> None:
        """A date with the datatype of its precision; with sort, also cgt:sortDate (its period's
        first day) and cgt:datePrecision."""
        if value is None:
            return
        text = str(value)
        parsed = parse_date(text)
        if parsed is None:  # pragma: no cover - checked before
            raise ValueError(text)
        lines, suffix = self.lines, self.suffix
        lines[f'<{s}> <{p}> "{text}"^^<{_DATE_TYPES[parsed[1]]}>{suffix}'] = None
        if sort:
            lines[f'<{s}> <{_SORT_DATE}> "{parsed[0].isoformat()}"^^<{_XSD_DATE}>{suffix}'] = None
            lines[f'<{s}> <{_PRECISION}> "{parsed[1]}"{suffix}'] = None

    def citations(self, subject: URIRef, cites: Any, slot: str = "citation") -> None:
        seen: dict[str, int] = {}
        for c in cites or []:
            src = iri("source", str(c["source"]))
            n = seen[c["source"]] = seen.get(c["source"], 0) + 1
            node = URIRef(f"{subject}/{slot}/{c['source']}" + (f"-{n}" if n > 1 else ""))
            self.add(subject, PROV.wasDerivedFrom, src)
            self.add(subject, PROV.qualifiedDerivation, node)
            self.add(node, RDF.type, CGT.Citation)
            self.add(node, PROV.entity, src)
            self.add(node, CGT.quote, str(c["quote"]).strip())
            conf = c.get("confidence") or self._default_confidence(str(c["source"]))
            self.add(node, CGT.confidence, CGT[conf])

    def _default_confidence(self, source_id: str) -> str:
        src = self.idx.get("source", source_id)
        ev = src.data.get("evidence") if src else None
        return "high" if ev in ("official", "peer-reviewed") else "low"


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
        em = _Emitter(idx, str(graph_iri(file)))
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


def _emit(em: _Emitter, rec: Record) -> None:  # noqa: C901 - one branch per kind, kept flat
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
