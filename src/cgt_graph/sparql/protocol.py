"""The SPARQL 1.1 Protocol's side of the endpoint (`server.py`): its HTTP limits, client errors,
decoding and parsing a request's parameters, the landing page and the Service Description."""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from cgt_graph import __version__

ALLOW = "GET, HEAD, POST, OPTIONS"
UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}
SD_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/rdf+xml": "xml",
            "application/ld+json": "json-ld", "application/n-triples": "nt", "text/html": "html"}
SD_CONTENT_TYPE = {"turtle": "text/turtle; charset=utf-8", "xml": "application/rdf+xml",
                   "json-ld": "application/ld+json", "nt": "application/n-triples"}


@dataclass
class HttpLimits:
    max_body_bytes: int = 1_000_000
    max_head_bytes: int = 200_000        # request line + headers: a GET query of MAX_QUERY_CHARS, %-encoded
    request_timeout_s: float = 10.0      # to send the request head, and again to send the body
    keep_alive_s: int = 5
    max_connections: int = 256           # open connections plus requests in progress; beyond: 503
    threads: int = 64                    # requests waiting on a worker at once


class ClientError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# ----------------------------------------------------------------------------- pages

def landing_page() -> bytes:
    from cgt_graph.sparql.library import bound_text, library

    items = []
    for q in library().values():
        text = bound_text(q.name)  # parameters at their defaults
        href = "/sparql?query=" + quote(text, safe="")
        items.append(f"<li><a href=\"{html.escape(href)}\">{html.escape(q.title)}</a>"
                     f"<br><small>{html.escape(q.description)}</small>"
                     f"<details><summary>SPARQL</summary><pre>{html.escape(text)}</pre></details></li>")
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>cgt-graph SPARQL endpoint</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}pre{background:#f4f4f4;padding:.5em;overflow:auto}</style>"
            "<h1>cgt-graph SPARQL endpoint</h1>"
            "<p>Read-only SPARQL 1.1 Protocol endpoint at <code>/sparql</code> (GET or POST). "
            "Results: SPARQL JSON, XML, CSV, TSV; graphs: Turtle, N-Triples, JSON-LD, RDF/XML (by <code>Accept</code>). "
            "The default graph is the union of all data graphs unless <code>default-graph-uri</code>, "
            "<code>named-graph-uri</code> or FROM say otherwise. SERVICE, updates and very large or deeply nested "
            "queries are refused; each query has a deadline. The service description: "
            "<code>curl -H 'Accept: text/turtle' …/sparql</code>.</p><h2>Examples from the query library</h2><ul>"
            + "".join(items) + f"</ul><p><small>cgt-graph {__version__}</small></p></html>").encode()


def service_description(endpoint: str, named_graphs: list[str], fmt: str) -> bytes:
    """SPARQL 1.1 Service Description of this endpoint, with the library's queries as examples
    (as `sh:SPARQLExecutable`s with `schema:target` the endpoint, the convention of SIB's examples)."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, RDFS

    from cgt_graph.sparql.library import bound_text, library

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    sh = Namespace("http://www.w3.org/ns/shacl#")
    schema = Namespace("https://schema.org/")
    g = Graph()
    for prefix, ns in (("sd", sd), ("formats", formats), ("sh", sh), ("schema", schema)):
        g.bind(prefix, ns)
    svc = URIRef(endpoint)
    g.add((svc, RDF.type, sd.Service))
    g.add((svc, sd.endpoint, svc))
    g.add((svc, sd.supportedLanguage, sd.SPARQL11Query))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((svc, sd.resultFormat, formats[f]))
    g.add((svc, sd.feature, sd.UnionDefaultGraph))
    ds, dg = BNode("dataset"), BNode("default")
    g.add((svc, sd.defaultDataset, ds))
    g.add((ds, RDF.type, sd.Dataset))
    g.add((ds, sd.defaultGraph, dg))
    g.add((dg, RDF.type, sd.Graph))
    g.add((dg, RDFS.comment, Literal("The union of all named graphs (when the request names no dataset).")))
    for name in named_graphs:
        ng = BNode()
        g.add((ds, sd.namedGraph, ng))
        g.add((ng, RDF.type, sd.NamedGraph))
        g.add((ng, sd.name, URIRef(name)))
    for q in library().values():
        ex = URIRef(f"{endpoint}#example-{q.name}")
        g.add((ex, RDF.type, sh.SPARQLExecutable))
        g.add((ex, RDF.type, sh.SPARQLSelectExecutable))
        g.add((ex, RDFS.label, Literal(q.title, lang="en")))
        g.add((ex, RDFS.comment, Literal(q.description, lang="en")))
        g.add((ex, sh.select, Literal(bound_text(q.name))))
        g.add((ex, schema.target, svc))
    out = g.serialize(format=fmt, encoding="utf-8")
    return out if isinstance(out, bytes) else out.encode()


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


def _decode(raw: bytes, content_type: str) -> str:
    charset = _charset(content_type)
    if charset not in UTF8:
        raise ClientError(415, f"charset {charset} is not supported: send the request in UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ClientError(400, f"the request is not valid UTF-8 (byte {exc.start})") from None


def _parse_qs(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=1000)
    except UnicodeDecodeError:
        raise ClientError(400, "a parameter is not valid UTF-8 once %-decoded") from None
    except ValueError as exc:
        raise ClientError(400, f"bad parameters: {exc}") from None

