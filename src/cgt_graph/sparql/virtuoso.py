"""The scale-out path: the exported N-Triples in a production SPARQL server (OpenLink Virtuoso).

For graphs that outgrow one embedded store, `cgt-graph export --format ntriples --ontology`
is loaded into Virtuoso open-source (Debian package `virtuoso-opensource`) and the
query library runs against its `/sparql` endpoint over the SPARQL protocol, with the
graph as `default-graph-uri`. tests/test_virtuoso.py checks that every library query
gives the same answers there as on Oxigraph; docs/scale.md has the figures.

    python -m cgt_graph.sparql.virtuoso serve FILE.nt [--graph IRI] [--port 8890]

starts a throw-away server (database in a temporary directory, both ports on
127.0.0.1), bulk-loads FILE and serves until Ctrl+C. `Virtuoso` does the same from
Python. `ensure_installed()` installs the Debian package when it is missing (as root,
or with sudo).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections import Counter

INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
GRAPH = "https://w3id.org/cgt-graph/graph/all"


class VirtuosoError(Exception):
    """Virtuoso is missing, did not start, or refused a load or a query."""


def available() -> bool:
    return bool(shutil.which("virtuoso-t") and shutil.which("isql-vt") and INI.exists())


def ensure_installed() -> None:
    """apt-get install virtuoso-opensource when it is missing (about a minute)."""
    if available():
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "virtuoso-opensource"]):
        r = subprocess.run(sudo + cmd, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise VirtuosoError(f"{' '.join(cmd)} failed: {r.stderr[-500:]}")
    if not available():
        raise VirtuosoError("virtuoso-opensource installed but virtuoso-t/isql-vt not found")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ini(text: str, workdir: Path, port: int, http_port: int, buffers: int, query_timeout: int = 600) -> str:
    """The packaged ini with the database in `workdir`, ports on loopback, limits raised."""
    db = workdir / "db"

    def setting(text: str, key: str, value: str) -> str:
        return re.sub(rf"(?m)^;?\s*{key}\s*=.*$", f"{key} = {value}", text, count=1)

    out = text.replace("/var/lib/virtuoso-opensource-7/db", str(db))
    out = re.sub(r"(?m)^ServerPort\s*=\s*1111.*$", f"ServerPort = 127.0.0.1:{port}", out)
    out = re.sub(r"(?m)^ServerPort\s*=\s*8890.*$", f"ServerPort = 127.0.0.1:{http_port}", out)
    out = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = ., {workdir}, /usr/share/virtuoso-opensource-7/vad", out)
    out = setting(out, "NumberOfBuffers", str(buffers))
    out = setting(out, "MaxDirtyBuffers", str(buffers * 3 // 4))
    out = setting(out, "ResultSetMaxRows", "10000000")
    out = setting(out, "MaxQueryExecutionTime", str(query_timeout))
    out = setting(out, "MaxQueryCostEstimationTime", "600")
    return out


class Virtuoso:
    """A throw-away Virtuoso on loopback: `with Virtuoso() as v: v.load(nt); v.select(q)`."""

    def __init__(self, workdir: Path | None = None, buffers: int = 170_000, http_port: int | None = None,
                 query_timeout: int = 600):
        if not available():
            raise VirtuosoError("Virtuoso is not installed (apt-get install virtuoso-opensource)")
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="cgt-virtuoso-")
        self.workdir = Path(workdir or self._tmp.name).resolve()  # type: ignore[union-attr]
        self.port = _free_port()
        self.http_port = http_port or _free_port()
        self.buffers = buffers
        self.query_timeout = query_timeout
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def start(self, timeout: float = 120) -> "Virtuoso":
        (self.workdir / "db").mkdir(parents=True, exist_ok=True)
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(_ini(INI.read_text(), self.workdir, self.port, self.http_port, self.buffers,
                            self.query_timeout))
        self.log = open(self.workdir / "server.out", "wb")
        self.proc = subprocess.Popen(["virtuoso-t", "-f", "-c", str(ini)], cwd=self.workdir,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited: {(self.workdir / 'server.out').read_text()[-800:]}")
            try:
                self._get("ASK {}", None)
                return self
            except (OSError, VirtuosoError):
                time.sleep(0.5)
        raise VirtuosoError("Virtuoso did not answer in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.isql("shutdown;", timeout=60)
            except (VirtuosoError, subprocess.TimeoutExpired):
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> "Virtuoso":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def isql(self, sql: str, timeout: float = 3600) -> str:
        r = subprocess.run(["isql-vt", f"127.0.0.1:{self.port}", "dba", "dba", f"exec={sql}"],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0 or "*** Error" in r.stdout or "*** Error" in r.stderr:
            raise VirtuosoError(f"isql: {sql[:120]}: {(r.stdout + r.stderr)[-800:]}")
        return r.stdout

    def load(self, ntriples: Path, graph: str = GRAPH) -> int:
        """Bulk-load an N-Triples file into `graph` (ld_dir + rdf_loader_run + checkpoint); its triple count."""
        src = self.workdir / "load"
        src.mkdir(exist_ok=True)
        target = src / "data.nt"
        shutil.copyfile(ntriples, target)
        self.isql(f"ld_dir('{src}', 'data.nt', '{graph}'); rdf_loader_run(); checkpoint;")
        errors = self.isql("select ll_file, ll_error from DB.DBA.load_list where ll_error is not null;")
        if "0 Rows" not in errors:
            raise VirtuosoError(f"bulk load reported errors: {errors[-800:]}")
        target.unlink()
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graph)
        return int(rows[0]["n"]["value"])

    def _get(self, text: str, graph: str | None, timeout: float = 600) -> dict:
        params = {"query": text}
        if graph:
            params["default-graph-uri"] = graph
        req = urllib.request.Request(self.endpoint, data=urllib.parse.urlencode(params).encode(),
                                     headers={"Accept": "application/sparql-results+json",
                                              "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                body = r.read()
                state = r.headers.get("X-SQL-State")
                if state:  # an "anytime" answer cut off at MaxQueryExecutionTime: never take it as the answer
                    raise VirtuosoError(f"partial result ({state}: {r.headers.get('X-SQL-Message', '')}): "
                                        f"the query passed MaxQueryExecutionTime ({self.query_timeout} s)")
                return json.loads(body)
        except urllib.error.HTTPError as exc:
            raise VirtuosoError(f"HTTP {exc.code}: {exc.read()[:600].decode(errors='replace')}") from None

    def select(self, text: str, graph: str = GRAPH) -> list[dict]:
        """A SELECT through the SPARQL protocol; the JSON bindings."""
        return self._get(text, graph)["results"]["bindings"]

    def result(self, text: str, graph: str = GRAPH) -> tuple[list[str], list[list[str | None]]]:
        """Columns and rows of lexical values, like `cgt_graph.sparql.library.Result`."""
        out = self._get(text, graph)
        cols = out["head"]["vars"]
        rows = [[b[c]["value"] if c in b else None for c in cols] for b in out["results"]["bindings"]]
        return cols, rows


def comparable(value: str | None) -> str | None:
    """A value as both engines should agree on it: GROUP_CONCAT order is undefined; numbers by value."""
    if value is None:
        return None
    if ";" in value or "|" in value:  # the library joins with ";" or "|"
        return ";".join(sorted(part.strip() for part in re.split(r"[;|]", value)))
    if re.fullmatch(r"-?\d+\.\d+(e-?\d+)?", value, flags=re.I):
        return repr(round(float(value), 6))
    return value


def comparable_rows(rows: list[list[str | None]]) -> "Counter[tuple[str | None, ...]]":
    from collections import Counter

    return Counter(tuple(comparable(v) for v in r) for r in rows)


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Serve exported N-Triples from a throw-away Virtuoso on loopback.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("file", type=Path, help="N-Triples (cgt-graph export --format ntriples --ontology -o FILE)")
    s.add_argument("--graph", default=GRAPH)
    s.add_argument("--port", type=int, default=None, help="HTTP port on 127.0.0.1 (default: a free one)")
    s.add_argument("--install", action="store_true", help="apt-get install virtuoso-opensource if missing")
    args = ap.parse_args(argv)
    if args.install:
        ensure_installed()
    with Virtuoso(http_port=args.port) as v:
        t0 = time.perf_counter()
        n = v.load(args.file, args.graph)
        print(f"loaded {n} triples into <{args.graph}> in {time.perf_counter() - t0:.1f} s", flush=True)
        print(f"SPARQL endpoint: {v.endpoint}?default-graph-uri={urllib.parse.quote(args.graph)}  (Ctrl+C stops)",
              flush=True)
        try:
            while v.proc and v.proc.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
