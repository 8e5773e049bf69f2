"""Regenerate tests/w3c/syntax.json and tests/w3c/protocol/ from a checkout of github.com/w3c/rdf-tests.

Usage: python tests/w3c/extract.py PATH_TO_RDF_TESTS   (a checkout, or a bare git directory)

Only the test inputs we run are kept: the query text and validity of every test listed in the
syntax manifests below, and the protocol manifest with its three data files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rdflib import RDF, Graph, Namespace

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SYNTAX_DIRS = ["sparql/sparql11/syntax-query", "sparql/sparql10/syntax-sparql1", "sparql/sparql10/syntax-sparql2",
               "sparql/sparql10/syntax-sparql3", "sparql/sparql10/syntax-sparql4", "sparql/sparql10/syntax-sparql5",
               "sparql/sparql11/syntax-fed"]
PROTOCOL_FILES = ["manifest.ttl", "data1.nt", "data2.nt", "data3.nt"]
HERE = Path(__file__).parent


def read(repo: Path, path: str) -> bytes:
    if (repo / path).is_file():
        return (repo / path).read_bytes()
    return subprocess.run(["git", "--git-dir", str(repo), "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout


def main(repo: Path) -> None:
    cases = []
    for d in SYNTAX_DIRS:
        base = f"http://example.org/{d}/"
        g = Graph().parse(data=read(repo, f"{d}/manifest.ttl"), format="turtle", publicID=base + "manifest.ttl")
        manifest = next(g.subjects(RDF.type, MF.Manifest))
        for entries in g.objects(manifest, MF.entries):
            for test in g.items(entries):
                kind = str(g.value(test, RDF.type)).split("#")[-1]
                if "SyntaxTest" not in kind:
                    continue
                action = str(g.value(test, MF.action))
                text = read(repo, d + "/" + action[len(base):]).decode("utf-8")
                cases.append({"suite": d.split("/")[-1], "name": str(test).split("#")[-1],
                              "file": action[len(base):], "valid": kind.startswith("Positive"), "query": text})
    (HERE / "syntax.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for name in PROTOCOL_FILES:
        (HERE / "protocol" / name).write_bytes(read(repo, f"sparql/sparql11/protocol/{name}"))
    print(f"{len(cases)} syntax cases ({sum(c['valid'] for c in cases)} valid)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
