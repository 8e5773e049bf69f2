"""Content negotiation for the sandbox's answers: the result formats a client may ask for by
Accept header, and the content type each is sent with."""

from __future__ import annotations

SELECT_TYPES = {
    "application/sparql-results+json": "JSON", "application/json": "JSON",
    "application/sparql-results+xml": "XML", "application/xml": "XML", "text/xml": "XML",
    "text/csv": "CSV", "text/tab-separated-values": "TSV",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE", "application/x-turtle": "TURTLE", "application/n-triples": "N_TRIPLES",
    "text/plain": "N_TRIPLES", "application/ld+json": "JSON_LD", "application/rdf+xml": "RDF_XML",
}
CONTENT_TYPE = {"JSON": "application/sparql-results+json", "XML": "application/sparql-results+xml",
                "CSV": "text/csv; charset=utf-8", "TSV": "text/tab-separated-values; charset=utf-8",
                "TURTLE": "text/turtle; charset=utf-8", "N_TRIPLES": "application/n-triples",
                "JSON_LD": "application/ld+json", "RDF_XML": "application/rdf+xml"}



def negotiate(accept: str | None, table: dict[str, str], default: str) -> str | None:
    """Pick a format from an Accept header (q-values honoured); None if nothing acceptable."""
    if not accept:
        return default
    best: tuple[float, int, str] | None = None
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mime, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        fmt = table.get(mime) or (default if mime in ("*/*", "application/*", "text/*") else None)
        if fmt and (best is None or (q, -i) > (best[0], best[1])):
            best = (q, -i, fmt)
    return best[2] if best else None

