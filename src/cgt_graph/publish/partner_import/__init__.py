"""`cgt-graph import`: a partner's RDF into its own named graph, checked before anything is written.

A partner file (Turtle, N-Triples, JSON-LD or RDF/XML) goes through, in this order:

1. size: refused over `max_bytes` (default 50 MB) before it is read;
2. encoding: UTF-8 only;
3. screening: RDF/XML with `<!DOCTYPE` or `<!ENTITY` (entity expansion, "billion laughs") and
   JSON-LD with any `@context` that is not an inline object (a URL, a list with a URL, `@import`)
   are refused before any RDF parser sees the bytes; JSON-LD is only ever parsed with inline contexts;
4. parsing (pyoxigraph's streaming parser, never rdflib): each statement is checked as it is read
   and the file refused at the first problem: syntax errors with their line; named graphs (one file,
   one graph); literals over `MAX_LITERAL_CHARS`; more than `MAX_TRIPLES` statements;
5. IRIs: only http, https and urn schemes; in our namespace `https://w3id.org/cgt-graph/` a partner
   may use ontology terms that exist and point at curated records that exist (as objects), but may not
   make statements about anything of ours: no subject in our namespace (ontology terms: classes,
   properties, concept schemes, the ontology itself; curated records under `/id/`), no subject the
   ontology describes, no statement that equates or extends our terms (owl:sameAs,
   owl:equivalentClass/Property, rdfs:subClassOf/subPropertyOf, owl:inverseOf with one of ours as
   object), and no new IRIs minted there. (Two triples about ontology terms were enough to double
   every authorisation row in the library's queries.)
6. SHACL: the partner's nodes typed with our classes (at most `MAX_VALIDATED_NODES`, else refused),
   with the partner statements reachable from them and the current graph (so references resolve),
   against ontology/shapes.ttl; violations refuse the file (the first `MAX_DETAILS` are listed).
   Blank nodes are validated under stand-in IRIs and reported as `_:id`.

Time and memory are bounded for any file under the size limit: a 50 MB file is read once into
memory, parsed in a stream, and only the nodes our shapes apply to go through pyshacl
(benchmarks/partner_import.py measures it).

Exit codes (cli): 2 for unreadable or unsafe input (1-5), 1 for shape violations (6), 3 when the store
cannot be written (read-only location, disk full): one line naming the cause, nothing changed.

Accepted triples go into `https://w3id.org/cgt-graph/graph/partner/<partner>/<name>` (name: the
file's stem as a slug) with provenance in the same graph: prov:wasAttributedTo the partner,
prov:generatedAtTime, dct:source (the file name), spdx:checksum (sha256). The graph is kept as
canonical N-Quads in `<store>.imports/<partner>/<name>.nq`, so `cgt-graph build` includes it again;
the store is republished the way a build publishes it (new directory, atomic switch, under the build
lock). Importing the same bytes again changes nothing; a changed file under the same name replaces
its graph; `remove(partner)` takes all of a partner's graphs out.
"""

from __future__ import annotations

from cgt_graph.publish.partner_import.common import (ALLOWED_SCHEMES, DEFAULT_MAX_BYTES, FORMATS, MAX_DETAILS,
                                                     MAX_LITERAL_CHARS, MAX_TRIPLES, MAX_VALIDATED_NODES, OUR_IDS,
                                                     OUR_TERMS, OWL, PARTNER_GRAPH, PROV, RDF_FORMATS, RDF_TYPE,
                                                     RDFS, REDEFINING, SKOLEM, SPDX, ImportRefused, ImportReport,
                                                     graph_name, imports_dir, stored_nquads)
from cgt_graph.publish.partner_import.store import StoreWriteError, import_file, partner_graphs, remove

__all__ = ["ALLOWED_SCHEMES", "DEFAULT_MAX_BYTES", "FORMATS", "MAX_DETAILS", "MAX_LITERAL_CHARS", "MAX_TRIPLES",
           "MAX_VALIDATED_NODES", "OUR_IDS", "OUR_TERMS", "OWL", "PARTNER_GRAPH", "PROV", "RDFS", "RDF_FORMATS",
           "RDF_TYPE", "REDEFINING", "SKOLEM", "SPDX", "ImportRefused", "ImportReport", "StoreWriteError",
           "graph_name", "import_file", "imports_dir", "partner_graphs", "remove", "stored_nquads"]
