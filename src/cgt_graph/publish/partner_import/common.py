"""What every step of a partner import shares: the limits and namespaces, the refusal, the report,
and where accepted graphs are kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat

from cgt_graph.errors import CgtError
from cgt_graph.graph.store import imports_dir, stored_nquads  # noqa: F401 - read by the build, written here
from cgt_graph.graph.vocab import BASE, GRAPH

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_TRIPLES = 2_000_000           # more statements than a 50 MB N-Triples file of short triples holds
MAX_LITERAL_CHARS = 100_000
MAX_VALIDATED_NODES = 5_000       # partner nodes typed with our classes (pyshacl: 3,000 took 12-24 s on 2 busy cores)
MAX_DETAILS = 50
ALLOWED_SCHEMES = ("http", "https", "urn")
FORMATS = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".json": "jsonld",
           ".rdf": "rdfxml", ".xml": "rdfxml", ".owl": "rdfxml"}
RDF_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD,
               "rdfxml": RdfFormat.RDF_XML}
PARTNER_GRAPH = str(GRAPH) + "partner/"
OUR_IDS = BASE + "id/"
OUR_TERMS = BASE + "ontology#"
PROV = "http://www.w3.org/ns/prov#"
SPDX = "http://spdx.org/rdf/terms#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
REDEFINING = {OWL + "sameAs", OWL + "equivalentClass", OWL + "equivalentProperty", OWL + "inverseOf",
              RDFS + "subClassOf", RDFS + "subPropertyOf"}
SKOLEM = "https://partner.invalid/.well-known/genid/"  # blank nodes under validation only, never stored
_CHECKSUM_LINE = re.compile(rb'<' + re.escape(SPDX.encode()) + rb'checksumValue> "([0-9a-f]{64})"')


class ImportRefused(CgtError):
    """The file was refused; nothing was written. `code`: 2 unreadable/unsafe, 1 shape violations,
    3 the store cannot be written."""

    def __init__(self, file: Path | str, reason: str, code: int = 2, details: list[str] | None = None):
        self.file, self.reason = str(file), reason
        super().__init__(f"refused {file}: {reason}", code, details or [], note="nothing was written.")


@dataclass
class ImportReport:
    graph: str
    triples: int
    sha256: str
    changed: bool
    stored: Path | None


def graph_name(partner: str, file: Path) -> tuple[str, str]:
    name = re.sub(r"[^a-z0-9]+", "-", file.stem.lower()).strip("-") or "data"
    return name, f"{PARTNER_GRAPH}{partner}/{name}"


