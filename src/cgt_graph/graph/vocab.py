"""The vocabulary of the published RDF: namespaces, prefixes, the IRI scheme (docs/iris.md) and
the N-Triples spelling of a term. Read by the emitter and by every module that names our IRIs."""

from __future__ import annotations

from typing import Any

from rdflib import Literal, Namespace, URIRef
from rdflib import RDF as _RDF, RDFS as _RDFS, SKOS as _SKOS, XSD as _XSD
from rdflib.namespace import DCTERMS as _DCTERMS, PROV as _PROV


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
