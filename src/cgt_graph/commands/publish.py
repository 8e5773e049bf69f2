"""Commands for partners: export, release, diff, import."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cgt_graph import paths
from cgt_graph.commands import open_store, progress, quiet_option, store_option
from cgt_graph.errors import CgtError
from cgt_graph.publish.exports import FORMATS, TABLE_NAMES


@click.command()
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="turtle", show_default=True,
              help="; ".join(f"{f.name}: {f.help}" for f in FORMATS.values()) + ".")
@click.option("--table", type=click.Choice(TABLE_NAMES), default="authorisations", show_default=True,
              help="With --format csv: which table.")
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
    from cgt_graph.publish.exports import Options, export as do_export

    out = do_export(open_store(store_path), fmt, Options(table=table, ontology=ontology))
    if output:
        out.save(output)
        click.echo(f"wrote {out.what} to {output}", err=True)
    else:
        sys.stdout.buffer.write(out.data)
        sys.stdout.buffer.flush()


@click.command()
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder that holds the releases; the release goes to OUT/VERSION.")
@click.option("--version", "version", default=None, help="Release version (default: the date).")
@click.option("--date", "date", default=None, help="Release date YYYY-MM-DD (default: today, UTC).")
@store_option
@quiet_option
def release(out: Path, version: str | None, date: str | None, store_path: Path | None, quiet: bool) -> None:
    """Write a versioned release folder: every export, void.ttl, SHA256SUMS, ontology HTML.

    Written under a temporary name and renamed into place: a release is complete or absent.
    """
    import datetime

    from cgt_graph.publish.release import release as do_release

    date = date or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    report = do_release(open_store(store_path), out, version or date, date, progress=progress(quiet))
    for name, size in report.files.items():
        click.echo(f"{size:>10}  {name}")
    click.echo(f"released {report.path}: {report.triples} triples, {report.quads} quads, "
               f"{report.entities} entities, {len(report.files)} files")


@click.command()
@click.argument("old", type=click.Path(path_type=Path, file_okay=False))
@click.argument("new", type=click.Path(path_type=Path, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the changes as CSV to this file.")
def diff(old: Path, new: Path, fmt: str, output: Path | None) -> None:
    """What changed between two release folders: authorisations added or withdrawn, dates
    corrected, holders changed, products renamed, sources added, ... (text or CSV)."""
    from cgt_graph.publish.diff import as_csv, as_text, diff as do_diff

    changes, counts = do_diff(old, new)
    click.echo(as_csv(changes) if fmt == "csv" else as_text(changes, counts, old, new), nl=False)
    if output:
        output.write_text(as_csv(changes), encoding="utf-8")


@click.command("import")
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
    if list_:
        for graph, n in pi.partner_graphs(open_store(store_path)):
            click.echo(f"{graph}  {n} quads")
        return
    if remove_partner:
        if file or partner:
            raise CgtError("--remove PARTNER takes no FILE or --partner")
        n = pi.remove(remove_partner, location)
        click.echo(f"removed partner {remove_partner}: {n} quads")
        return
    if not file or not partner:
        raise CgtError("give FILE and --partner (or --remove PARTNER, or --list)")
    report = pi.import_file(file, partner, location, fmt=fmt, max_bytes=max_bytes)
    if report.changed:
        click.echo(f"imported {file}: {report.triples} triples into <{report.graph}> (sha256 {report.sha256})")
    else:
        click.echo(f"already imported {file} (same sha256 {report.sha256}): nothing changed")
