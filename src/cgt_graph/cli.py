"""`cgt-graph`: a thin command line over the library (the commands live in `commands/`).

Exit codes (scripts can rely on them; `errors.py` defines them):
  0  success
  1  the data breaks a rule (validate/build print one line per problem: file:line (record): [rule] message)
  2  unreadable input or bad usage (malformed YAML, unknown option, unknown query or parameter, missing extra)
  3  the store is missing or locked (run `cgt-graph build`; wait for the other build)
  4  an internal error: a bug in cgt-graph (CGT_GRAPH_DEBUG=1 shows the traceback)

This module is the one place an error becomes stderr lines and an exit code: library code
raises `CgtError` with its code, and no traceback reaches the user.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from cgt_graph import __version__
from cgt_graph.errors import INTERNAL, INTERRUPTED, CgtError

#: command -> module of `cgt_graph.commands` and the function in it, in the order --help lists them;
#: a command's module is imported only when that command runs (or --help lists them all)
COMMANDS = {"validate": "data:validate", "lint": "data:lint", "build": "data:build", "query": "query:query",
            "export": "publish:export", "release": "publish:release", "diff": "publish:diff",
            "import": "publish:import_", "stats": "query:stats", "review": "query:review",
            "network": "network:network", "analyse": "history:analyse", "serve": "query:serve"}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(f"cgt_graph.commands.{module}"), name)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CgtError as exc:
            for line in exc.lines():
                click.echo(line, err=True)
            ctx.exit(exc.code)
        except KeyboardInterrupt:  # click would say "Aborted!" and exit 1, the data-error code
            click.echo("interrupted", err=True)
            ctx.exit(INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`cgt-graph export | head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(1)
        except Exception as exc:
            if os.environ.get("CGT_GRAPH_DEBUG"):
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {exc} (a bug in cgt-graph: please report it; "
                       "CGT_GRAPH_DEBUG=1 shows the traceback)", err=True)
            ctx.exit(INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cgt-graph")
def main() -> None:
    """cgt-graph: the open knowledge graph of cell and gene therapy regulation.

    Build the graph from data/ into an embedded Oxigraph store, validate it,
    query it with SPARQL and export it.
    """


if __name__ == "__main__":  # pragma: no cover
    main()
