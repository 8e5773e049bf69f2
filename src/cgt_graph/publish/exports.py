"""The export formats, as a registry: `cgt-graph export --format NAME` looks a format up here.

Each format writes the whole curated graph (never partner graphs): the RDF formats through
the deterministic writers (`turtle.write_graph`), `csv` one table (`--table`: the
authorisations table of `table.py`, or a release table of `tables.py`), `fhir` a FHIR R5
Bundle. Same data, same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pyoxigraph import Store

from cgt_graph.publish import turtle
from cgt_graph.publish.canonical import curated_store
from cgt_graph.publish.table import write_authorisations_csv
from cgt_graph.publish.tables import TABLES, table_csv


@dataclass(frozen=True)
class Exported:
    data: bytes
    what: str  # "1234 triples", "56 authorisations", ...

    def save(self, path: Path) -> None:
        """Write to `path` under a temporary name, then rename: the file is complete or absent."""
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(self.data)
        tmp.replace(path)


@dataclass(frozen=True)
class Options:
    table: str = "authorisations"  # csv: which table
    ontology: bool = False  # RDF formats: include the ontology graph


@dataclass(frozen=True)
class ExportFormat:
    name: str
    help: str
    write: Callable[[Store, Options], Exported]


def _rdf(fmt: str) -> Callable[[Store, Options], Exported]:
    def write(store: Store, options: Options) -> Exported:
        buf = io.BytesIO()
        n = turtle.write_graph(store, buf, fmt, options.ontology)
        return Exported(buf.getvalue(), f"{n} {'quads' if fmt in turtle.QUAD_FORMATS else 'triples'}")
    return write


def _csv(store: Store, options: Options) -> Exported:
    store = curated_store(store)  # tables describe what the RDF exports hold: no partner graphs
    if options.table == "authorisations":
        text = io.StringIO()
        n = write_authorisations_csv(store, text)
        return Exported(text.getvalue().encode("utf-8"), f"{n} authorisations")
    data = table_csv(store, options.table)
    return Exported(data, f"{len(data.splitlines()) - 1} {options.table} rows")


def _fhir(store: Store, options: Options) -> Exported:
    from cgt_graph.publish.fhir import fhir_json, resource_count  # the fhir extra: loaded only when asked for

    data = fhir_json(curated_store(store))
    return Exported(data, f"{resource_count(data)} RegulatedAuthorization resources")


_RDF_HELP = {
    "turtle": "Turtle, graphs merged, sorted",
    "ntriples": "N-Triples, graphs merged, lines sorted",
    "nquads": "N-Quads, one named graph per data file",
    "trig": "TriG, one named graph per data file",
    "jsonld": "JSON-LD, context inline",
    "rdfxml": "RDF/XML, graphs merged",
}
FORMATS: dict[str, ExportFormat] = {
    **{name: ExportFormat(name, _RDF_HELP[name], _rdf(name)) for name in turtle.FORMATS},
    "csv": ExportFormat("csv", "a table as CSV (--table)", _csv),
    "fhir": ExportFormat("fhir", "FHIR R5 Bundle of RegulatedAuthorization (needs cgt-graph[fhir])", _fhir),
}
#: the tables `--format csv --table` offers
TABLE_NAMES = tuple(TABLES)


def export(store: Store, fmt: str, options: Options | None = None) -> Exported:
    return FORMATS[fmt].write(store, options or Options())
