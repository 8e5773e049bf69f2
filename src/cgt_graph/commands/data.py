"""Commands over data/: validate, lint, build."""

from __future__ import annotations

from pathlib import Path

import click

from cgt_graph import paths
from cgt_graph.commands import data_option, progress, quiet_option, store_option, validator_option
from cgt_graph.errors import DATA, USAGE, CgtError


@click.command()
@data_option
@click.option("--no-shacl", is_flag=True, help="Skip SHACL validation (the Python checks still run).")
@validator_option
@quiet_option
def validate(data_dir: Path | None, no_shacl: bool, validator: str, quiet: bool) -> None:
    """Check data/ against the data model and the SHACL shapes; write nothing.

    Exits 0 when the data conforms, 1 with one line per problem, 2 when a file
    cannot be read.
    """
    from cgt_graph.graph.build import compile_data

    compiled = compile_data(data_dir, progress=progress(quiet), shacl=not no_shacl, validator=validator)
    click.echo(f"valid: {compiled.triples} triples conform to the data model and shapes.")


@click.command()
@data_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 naming each file not in canonical form.")
def lint(data_dir: Path | None, check: bool) -> None:
    """Rewrite every data file in one canonical form (key order from the data model, quoting,
    folding of long text at 100 columns; comments kept).

    Only rewrites that read back to the same data are written. With --check, lists the files
    that differ and exits 1.
    """
    from cgt_graph.curation.lint import lint as do_lint

    results = do_lint(data_dir or paths.data_dir(), write=not check)
    errors = [f"{r.file}: {r.error}" for r in results if r.error]
    changed = [r.file for r in results if r.changed and not r.error]
    if check:
        for f in changed:
            click.echo(f"{f}: not in canonical form", err=True)
    else:
        click.echo(f"{len(changed)} of {len(results)} data files rewritten in canonical form.")
    if errors:
        raise CgtError(f"{len(errors)} data file(s) could not be put in canonical form; they were left as they are", USAGE, errors)
    if check and changed:
        fix = "cgt-graph lint" + (f" --data {data_dir}" if data_dir else "")
        raise CgtError(f"{len(changed)} file(s) differ from the canonical form; fix with: {fix}", DATA)


@click.command()
@store_option
@data_option
@validator_option
@quiet_option
def build(store_path: Path | None, data_dir: Path | None, validator: str, quiet: bool) -> None:
    """Build data/ into a new store and switch to it atomically.

    On any problem nothing is switched: the previous store stays as it was.
    """
    from cgt_graph.graph.build import build as do_build

    from cgt_graph.sparql.tables import materialise

    report = do_build(store_path, data_dir, progress=progress(quiet), validator=validator, materialise=materialise)
    click.echo(
        f"built {report.store}: {report.triples} data triples ({report.quads} quads with ontology and shapes); "
        + ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
    )
