"""`cgt-graph`: a thin command line over the library.

Exit codes (scripts can rely on them):
  0  success
  1  the data breaks a rule (validate/build print one line per problem: file:line (record): [rule] message)
  2  unreadable input or bad usage (malformed YAML, unknown option, unknown query or parameter)
  3  the store is missing or locked (run `cgt-graph build`; wait for the other build)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from cgt_graph import __version__
from cgt_graph import paths
from cgt_graph.graph import store as st
from cgt_graph.curation.load import DataError

PARSE_RULES = {"yaml", "shape", "encoding", "layout", "file-name"}

store_option = click.option(
    "--store", "store_path", type=click.Path(path_type=Path), default=None,
    help="Store location (default: $CGT_GRAPH_STORE or ~/.local/share/cgt-graph/store).")
data_option = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="Data directory (default: the repository's data/).")
validator_option = click.option(
    "--validator", type=click.Choice(["auto", "fast", "pyshacl"]), default="auto", show_default=True,
    help="SHACL validator: the shapes as SPARQL in Oxigraph (fast; auto is the same), "
         "or pyshacl (the test oracle, slower) to compare.")
format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
    show_default=True, help="Output format.")


def _progress(quiet: bool):
    start = time.perf_counter()

    def say(msg: str) -> None:
        if not quiet:
            click.echo(f"[{time.perf_counter() - start:6.2f}s] {msg}", err=True)
    return say


def _report_problems(exc: DataError) -> int:
    for p in exc.problems:
        click.echo(str(p), err=True)
    n = len(exc.problems)
    click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.", err=True)
    return 2 if all(p.rule in PARSE_RULES for p in exc.problems) else 1


def _open(store_path: Path | None):
    try:
        return st.open_read_only(store_path or paths.store_dir())
    except st.StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cgt-graph")
def main() -> None:
    """cgt-graph: the open knowledge graph of cell and gene therapy regulation.

    Build the graph from data/ into an embedded Oxigraph store, validate it,
    query it with SPARQL and export it.
    """


@main.command()
@data_option
@click.option("--no-shacl", is_flag=True, help="Skip SHACL validation (the Python checks still run).")
@validator_option
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
def validate(data_dir: Path | None, no_shacl: bool, validator: str, quiet: bool) -> None:
    """Check data/ against the data model and the SHACL shapes; write nothing.

    Exits 0 when the data conforms, 1 with one line per problem, 2 when a file
    cannot be read.
    """
    from cgt_graph.graph.build import compile_data

    say = _progress(quiet)
    try:
        compiled = compile_data(data_dir, progress=say, shacl=not no_shacl, validator=validator)
    except DataError as exc:
        sys.exit(_report_problems(exc))
    click.echo(f"valid: {compiled.triples} triples conform to the data model and shapes.")


@main.command()
@data_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 naming each file not in canonical form.")
def lint(data_dir: Path | None, check: bool) -> None:
    """Rewrite every data file in one canonical form (key order from the data model, quoting,
    folding of long text at 100 columns; comments kept).

    Only rewrites that read back to the same data are written. With --check, lists the files
    that differ and exits 1.
    """
    from cgt_graph.curation.lint import lint as do_lint

    root = data_dir or paths.data_dir()
    results = do_lint(root, write=not check)
    errors = [r for r in results if r.error]
    changed = [r for r in results if r.changed and not r.error]
    for r in errors:
        click.echo(f"{r.file}: {r.error}", err=True)
    if check:
        for r in changed:
            click.echo(f"{r.file}: not in canonical form", err=True)
        if changed:
            fix = "cgt-graph lint" + (f" --data {data_dir}" if data_dir else "")
            click.echo(f"{len(changed)} file(s) differ; fix with: {fix}", err=True)
    else:
        click.echo(f"{len(changed)} of {len(results)} data files rewritten in canonical form.")
    if errors:
        sys.exit(2)
    if check and changed:
        sys.exit(1)


@main.command()
@store_option
@data_option
@validator_option
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
def build(store_path: Path | None, data_dir: Path | None, validator: str, quiet: bool) -> None:
    """Build data/ into a new store and switch to it atomically.

    On any problem nothing is switched: the previous store stays as it was.
    """
    from cgt_graph.graph.build import build as do_build

    say = _progress(quiet)
    try:
        report = do_build(store_path, data_dir, progress=say, validator=validator)
    except DataError as exc:
        sys.exit(_report_problems(exc))
    except st.StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)
    t = report.timings
    click.echo(
        f"built {report.store}: {report.triples} data triples ({report.quads} quads with ontology and shapes); "
        + ", ".join(f"{k} {v:.2f}s" for k, v in t.items())
    )


@main.command()
@click.argument("sparql", required=False)
@click.option("--name", "-n", help="Run a library query by name (see --list).")
@click.option("--file", "-f", "file", type=click.File("r"), help="Read the SPARQL from a file ('-' for stdin).")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="Parameter of a library query.")
@click.option("--list", "list_", is_flag=True, help="List the library queries and their parameters.")
@format_option
@store_option
def query(sparql: str | None, name: str | None, file, params: tuple[str, ...], list_: bool,
          fmt: str, store_path: Path | None) -> None:
    """Run SPARQL: a library query (--name), a file (--file) or text.

    \b
    Examples:
      cgt-graph query --list
      cgt-graph query --name authorisations-by-modality --param modality=car-t
      cgt-graph query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' --format csv
    """
    from cgt_graph.sparql import library as q

    if list_:
        for lq in q.library().values():
            click.echo(f"{lq.name}\n  {lq.title}: {lq.description}")
            for p in lq.params:
                click.echo(f"  --param {p.name}=<{p.type}> (default {p.default}): {p.help}")
        return
    given = sum(x is not None for x in (sparql, name, file))
    if given != 1:
        click.echo("error: give exactly one of SPARQL text, --name or --file (see --help)", err=True)
        sys.exit(2)
    values: dict[str, str] = {}
    for kv in params:
        key, sep, value = kv.partition("=")
        if not sep:
            click.echo(f"error: --param must be KEY=VALUE, got {kv!r}", err=True)
            sys.exit(2)
        values[key] = value
    store = _open(store_path)
    try:
        if name:
            result = q.run_named(store, name, values)
        else:
            if values:
                click.echo("error: --param only applies to --name queries", err=True)
                sys.exit(2)
            result = q.run(store, sparql if sparql is not None else file.read())
    except q.QueryError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(q.format_result(result, fmt), nl=False)


@main.command()
@click.option("--format", "fmt",
              type=click.Choice(["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml", "csv", "fhir"]),
              default="turtle", show_default=True,
              help="RDF format of the whole graph; csv for a table (--table); fhir for FHIR R5 RegulatedAuthorization.")
@click.option("--table", type=click.Choice(["authorisations", "products", "pathways", "classes", "sources"]),
              default="authorisations", show_default=True, help="With --format csv: which table.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file (default: stdout).")
@click.option("--ontology", is_flag=True, help="Include the ontology in RDF exports.")
@store_option
def export(fmt: str, table: str, output: Path | None, ontology: bool, store_path: Path | None) -> None:
    """Export the graph: Turtle on stdout by default. Same data, same bytes.

    N-Quads and TriG keep one named graph per data file (provenance); Turtle,
    N-Triples, JSON-LD (context inline, see context.jsonld) and RDF/XML merge them.
    --format csv writes the authorisations table: product_id, brand_name,
    nonproprietary_name, modality, jurisdiction, agency, decision_date,
    status, pathways, classification, holder, indication, sources,
    confidence; one row per authorisation, ';' between values in a cell;
    --table chooses another table (the release's tables/*.csv). --format fhir
    writes a FHIR R5 Bundle of RegulatedAuthorization resources.
    """
    import io

    from cgt_graph.publish.table import write_authorisations_csv
    from cgt_graph.publish.turtle import write_graph

    from cgt_graph.publish.canonical import curated_store

    store = _open(store_path)
    if fmt in ("csv", "fhir"):
        store = curated_store(store)  # tables describe what the RDF exports hold: no partner graphs
    buf = io.BytesIO()
    if fmt == "csv" and table == "authorisations":
        text = io.StringIO()
        n = write_authorisations_csv(store, text)
        buf.write(text.getvalue().encode("utf-8"))
        what = f"{n} authorisations"
    elif fmt == "csv":
        from cgt_graph.publish.tables import table_csv

        data = table_csv(store, table)
        buf.write(data)
        what = f"{len(data.splitlines()) - 1} {table} rows"
    elif fmt == "fhir":
        from cgt_graph.publish.fhir import fhir_json

        from cgt_graph.publish.fhir import resource_count

        data = fhir_json(store)
        buf.write(data)
        what = f"{resource_count(data)} RegulatedAuthorization resources"
    else:
        n = write_graph(store, buf, fmt, ontology)
        what = f"{n} {'quads' if fmt in ('nquads', 'trig') else 'triples'}"
    if output:
        tmp = output.with_name(f".{output.name}.tmp")
        tmp.write_bytes(buf.getvalue())
        tmp.replace(output)
        click.echo(f"wrote {what} to {output}", err=True)
    else:
        sys.stdout.buffer.write(buf.getvalue())
        sys.stdout.buffer.flush()


@main.command()
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder that holds the releases; the release goes to OUT/VERSION.")
@click.option("--version", "version", default=None, help="Release version (default: the date).")
@click.option("--date", "date", default=None, help="Release date YYYY-MM-DD (default: today, UTC).")
@store_option
def release(out: Path, version: str | None, date: str | None, store_path: Path | None) -> None:
    """Write a versioned release folder: every export, void.ttl, SHA256SUMS, ontology HTML.

    Written under a temporary name and renamed into place: a release is complete or absent.
    """
    import datetime

    from cgt_graph.publish.release import ReleaseError, release as do_release

    date = date or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    store = _open(store_path)
    try:
        report = do_release(store, out, version or date, date)
    except ReleaseError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    for name, size in report.files.items():
        click.echo(f"{size:>10}  {name}")
    click.echo(f"released {report.path}: {report.triples} triples, {report.quads} quads, "
               f"{report.entities} entities, {len(report.files)} files")


@main.command()
@click.argument("old", type=click.Path(path_type=Path, file_okay=False))
@click.argument("new", type=click.Path(path_type=Path, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the changes as CSV to this file.")
def diff(old: Path, new: Path, fmt: str, output: Path | None) -> None:
    """What changed between two release folders: authorisations added or withdrawn, dates
    corrected, holders changed, products renamed, sources added, ... (text or CSV)."""
    from cgt_graph.publish.diff import DiffError, as_csv, as_text, diff as do_diff

    try:
        changes, counts = do_diff(old, new)
    except DiffError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(as_csv(changes) if fmt == "csv" else as_text(changes, counts, old, new), nl=False)
    if output:
        output.write_text(as_csv(changes), encoding="utf-8")


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--partner", "-P", help="Partner id (a-z, 0-9, -): the graph goes to .../graph/partner/PARTNER/<file stem>.")
@click.option("--format", "fmt", type=click.Choice(["turtle", "ntriples", "jsonld", "rdfxml"]), default=None,
              help="Input format (default: from the extension: .ttl .nt .jsonld/.json .rdf/.xml/.owl).")
@click.option("--max-bytes", default=50 * 1024 * 1024, show_default=True, help="Refuse files larger than this.")
@click.option("--remove", "remove_partner", metavar="PARTNER", default=None,
              help="Take every graph of PARTNER out of the store (no FILE).")
@click.option("--list", "list_", is_flag=True, help="List the partner graphs in the store.")
@store_option
def import_(file: Path | None, partner: str | None, fmt: str | None, max_bytes: int, remove_partner: str | None,
            list_: bool, store_path: Path | None) -> None:
    """Import a partner's Turtle, N-Triples, JSON-LD or RDF/XML into its own named graph.

    The file is refused, and nothing written, when it is too large, unsafe (RDF/XML with a
    DTD, JSON-LD with a remote @context), unparsable, uses IRIs outside http/https/urn or
    our namespace wrongly (exit 2), or breaks the SHACL shapes (exit 1). Importing the
    same file again changes nothing. The graph survives `cgt-graph build`.

    \b
    Examples:
      cgt-graph import --partner acme acme-approvals.ttl
      cgt-graph import --remove acme
    """
    from cgt_graph.publish import partner_import as pi

    location = store_path or paths.store_dir()
    try:
        if list_:
            for graph, n in pi.partner_graphs(_open(store_path)):
                click.echo(f"{graph}  {n} quads")
            return
        if remove_partner:
            if file or partner:
                click.echo("error: --remove PARTNER takes no FILE or --partner", err=True)
                sys.exit(2)
            n = pi.remove(remove_partner, location)
            click.echo(f"removed partner {remove_partner}: {n} quads")
            return
        if not file or not partner:
            click.echo("error: give FILE and --partner (or --remove PARTNER, or --list)", err=True)
            sys.exit(2)
        report = pi.import_file(file, partner, location, fmt=fmt, max_bytes=max_bytes)
    except pi.ImportRefused as exc:
        click.echo(f"error: {exc}", err=True)
        for line in exc.details:
            click.echo(f"  {line}", err=True)
        click.echo("nothing was written.", err=True)
        sys.exit(exc.code)
    except st.StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)
    if report.changed:
        click.echo(f"imported {file}: {report.triples} triples into <{report.graph}> (sha256 {report.sha256})")
    else:
        click.echo(f"already imported {file} (same sha256 {report.sha256}): nothing changed")


@main.command()
@format_option
@store_option
def stats(fmt: str, store_path: Path | None) -> None:
    """Counts per class, jurisdiction, modality, class and evidence level; seed claims vs the graph."""
    from cgt_graph.sparql import library as q

    from cgt_graph.analysis.review import data_as_of

    store = _open(store_path)
    fresh = data_as_of(store)
    if fmt == "table":
        click.echo(f"Data as of {fresh.get('data_as_of') or 'unknown'} (the latest day a record was verified "
                   f"against its sources; {fresh.get('verified_records')} of {fresh.get('records')} fact-bearing records verified)\n")
    sections = [("Nodes per class", "counts-by-class"),
                ("Authorisations per jurisdiction", "counts-by-jurisdiction"),
                ("Products per modality", "counts-by-modality"),
                ("Authorisations per regulatory class", "counts-by-class-scheme"),
                ("Citations per evidence level", "counts-by-evidence"),
                ("Seed claims against the graph", "claims-vs-graph")]
    for title, name in sections:
        result = q.run_named(store, name)
        if fmt == "table":
            click.echo(f"== {title}")
        click.echo(q.format_result(result, fmt))


@main.command()
@click.option("--reason", "reasons", multiple=True,
              type=click.Choice(["secondary-only", "imprecise-date", "past-term", "not-verified", "claim-differs"]),
              help="Only these reasons (repeatable).")
@click.option("--summary", is_flag=True, help="Only the counts per reason and kind.")
@format_option
@store_option
def review(reasons: tuple[str, ...], summary: bool, fmt: str, store_path: Path | None) -> None:
    """The review queue: what to check next, one row per record and reason.

    \b
    secondary-only  every source of the record is news or secondary
    imprecise-date  a decision, designation or event known only to the month or year
    past-term       a conditional or time-limited approval with no event for longer than its term
    not-verified    no `verified` date, or one more than 12 months old
    claim-differs   a seed claim whose count differs from the graph
    """
    from cgt_graph.analysis.review import counts, review_queue
    from cgt_graph.sparql.library import format_result

    store = _open(store_path)
    queue = review_queue(store, reasons)
    if fmt == "table" or summary:
        click.echo(format_result(counts(queue), fmt))
    if not summary:
        click.echo(format_result(queue, fmt))


NETWORK_ANALYSES = ("follow", "first-movers", "lags", "centrality", "communities", "single", "expedited",
                    "pathways", "sponsors", "bipartite")


@main.command()
@click.argument("analysis", type=click.Choice(NETWORK_ANALYSES))
@click.option("--by", type=click.Choice(["all", "modality", "period"]), default="all", show_default=True,
              help="first-movers: overall, by top modality, or by 5-year period.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Also write the graph (follow, pathways, sponsors, bipartite) as .graphml or .gexf.")
@format_option
@store_option
def network(analysis: str, by: str, output: str | None, fmt: str, store_path: Path | None) -> None:
    """Network analyses: how therapies travel between regulators.

    \b
    follow        regulator follow network: A -> B per product first authorised in A, later in B
    first-movers  which regulator authorises first most often (--by modality|period)
    lags          lag from a product's first authorisation to each later jurisdiction
    centrality    regulators in the follow network (leads, follows, PageRank)
    communities   products grouped by the jurisdictions they share
    single        products authorised in only one jurisdiction
    expedited     lag with and without an expedited pathway (descriptive; says when data do not allow more)
    pathways      pathway co-use network
    sponsors      sponsor-modality network
    bipartite     product-jurisdiction network (with --output)
    """
    from cgt_graph.analysis import network as nw
    from cgt_graph.sparql.library import Result, format_result

    store = _open(store_path)
    auths = nw.load(store)
    graph = None
    if analysis == "follow":
        graph = nw.follow_network(auths)
        rows = nw.follow_edges(graph)
    elif analysis == "first-movers":
        rows = nw.first_movers(auths, None if by == "all" else by)
    elif analysis == "lags":
        rows = nw.lag_distribution(auths)
    elif analysis == "centrality":
        rows = nw.centrality(nw.follow_network(auths))
    elif analysis == "communities":
        rows = nw.communities(auths)
    elif analysis == "single":
        rows = nw.single_jurisdiction(auths)
    elif analysis == "expedited":
        effect = nw.expedited_effect(auths)
        rows = effect.rows
        click.echo(effect.verdict, err=True)
    elif analysis == "pathways":
        graph = nw.pathway_co_use(auths)
        rows = sorted(({"pathway_a": u, "pathway_b": v, "decisions": d["weight"]} for u, v, d in graph.edges(data=True)),
                      key=lambda r: (-int(r["decisions"]), r["pathway_a"], r["pathway_b"]))
    elif analysis == "sponsors":
        graph = nw.sponsor_modality(auths)
        rows = sorted(({"sponsor": graph.nodes[u]["label"] if graph.nodes[u]["kind"] == "sponsor" else graph.nodes[v]["label"],
                        "modality": graph.nodes[v]["label"] if graph.nodes[v]["kind"] == "modality" else graph.nodes[u]["label"],
                        "products": d["weight"]} for u, v, d in graph.edges(data=True)),
                      key=lambda r: (str(r["sponsor"]).lower(), str(r["modality"])))
    else:
        graph = nw.product_jurisdiction_graph(auths)
        rows = [{"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}]
    if output:
        if graph is None:
            click.echo(f"error: {analysis} is a table, not a graph; --output works with follow, pathways, sponsors, bipartite", err=True)
            sys.exit(2)
        try:
            nw.write_graph(graph, output)
        except ValueError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        click.echo(f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges to {output}", err=True)
    cols = list(rows[0]) if rows else ["(no rows)"]
    result = Result(cols, [[None if r.get(c) is None else str(r.get(c)) for c in cols] for r in rows])
    click.echo(format_result(result, fmt), nl=False)


@main.command()
@click.option("--port", default=7878, show_default=True, help="TCP port on 127.0.0.1.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (keep it on loopback unless you put a proxy in front).")
@click.option("--workers", default=2, show_default=True, help="Worker processes (queries run in parallel).")
@click.option("--timeout", "timeout_s", default=10.0, show_default=True, help="Deadline per query, seconds.")
@click.option("--max-result-bytes", default=20_000_000, show_default=True, help="Largest result a query may return.")
@store_option
def serve(port: int, host: str, workers: int, timeout_s: float, max_result_bytes: int,
          store_path: Path | None) -> None:
    """Serve a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    Updates, SERVICE and LOAD are refused; every query has a deadline and a
    result-size limit; a query that runs out of time gets an error status.
    """
    from cgt_graph.sparql.server import Limits, serve as run_server

    location = store_path or paths.store_dir()
    if not st.exists(location):
        click.echo(f"error: no store at {location}: run `cgt-graph build` first", err=True)
        sys.exit(3)
    click.echo(f"cgt-graph SPARQL endpoint: http://{host}:{port}/sparql (store {location}; Ctrl-C stops)", err=True)
    run_server(location, host, port, workers, Limits(timeout_s, max_result_bytes))


if __name__ == "__main__":  # pragma: no cover
    main()
