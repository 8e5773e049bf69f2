"""`cgt-graph import` of a partner file at the size limit (50 MB): seconds and peak memory.

Usage: python benchmarks/partner_import.py [--mb 50] [--baseline /work/main] [--baseline-timeout 150]

Generates, against a store built from data/ (SHACL off: validation of data/ is not measured):
* `notes.nt` / `notes.ttl`: --mb MB of partner statements pointing at our records (labels,
  rdfs:seeAlso to our products), with 1,000 complete partner authorisations (each with a
  citation and a source) that our shapes validate;
* `typed.nt`: --mb MB where every node is typed as one of our classes (refused: too many to validate).
Runs each through the CLI in its own process and prints wall time, peak resident memory (the
process and its children) and the outcome; the same for the baseline checkout's CLI (killed after
--baseline-timeout seconds). Target (issue #16): every run finishes or is refused within 2 minutes
and 4 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from cgt_graph import paths
from cgt_graph.graph.build import build
from cgt_graph.graph.store import open_read_only

CGT = "https://w3id.org/cgt-graph/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "https://partner.example/data/"


def our(store: Path, cls: str) -> list[str]:
    oxi = open_read_only(store)
    return [r["x"].value for r in oxi.query(f"SELECT ?x WHERE {{ ?x a <{CGT}{cls}> }} ORDER BY ?x", use_default_graph_as_union=True)]


def authorisation(i: int, product: str, jurisdiction: str, agency: str) -> list[str]:
    a, c, s = f"<{EX}auth{i}>", f"<{EX}auth{i}-citation>", f"<{EX}register{i}>"
    date = f'"2024-05-{1 + i % 28:02d}"^^<{XSD}date>'
    return [
        f"{a} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CGT}MarketingAuthorisation> .",
        f"{a} <{CGT}product> <{product}> .", f"{a} <{CGT}jurisdiction> <{jurisdiction}> .",
        f"{a} <{CGT}decidedBy> <{agency}> .", f"{a} <{CGT}decisionDate> {date} .", f"{a} <{CGT}sortDate> {date} .",
        f'{a} <{CGT}datePrecision> "day" .', f'{a} <{CGT}holderName> "Partner holder {i}" .',
        f'{a} <{CGT}indication> "indication {i}" .', f"{a} <{CGT}status> <{CGT}authorised> .",
        f"{a} <{CGT}classification> <{CGT}notClassified> .",
        f"{a} <http://www.w3.org/ns/prov#wasDerivedFrom> {s} .",
        f"{a} <http://www.w3.org/ns/prov#qualifiedDerivation> {c} .",
        f"{c} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CGT}Citation> .",
        f"{c} <http://www.w3.org/ns/prov#entity> {s} .", f'{c} <{CGT}quote> "Approved on day {i}." .',
        f"{c} <{CGT}confidence> <{CGT}high> .",
        f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CGT}Source> .",
        f'{s} <https://schema.org/url> "https://partner.example/register/{i}"^^<{XSD}anyURI> .',
        f'{s} <http://purl.org/dc/terms/title> "Register entry {i}" .',
        f'{s} <http://purl.org/dc/terms/publisher> "ACME" .', f'{s} <{CGT}accessed> "2026-11-20"^^<{XSD}date> .',
        f"{s} <{CGT}evidenceLevel> <{CGT}secondary> .",
    ]


def generate(store: Path, folder: Path, mb: float) -> dict[str, Path]:
    products, jurisdictions = our(store, "MedicinalProduct"), our(store, "Jurisdiction")
    agencies = our(store, "RegulatoryBody")
    limit = int(mb * 1024 * 1024) - 4096
    notes, typed = folder / "notes.nt", folder / "typed.nt"
    with open(notes, "w") as fh:
        size = 0
        for i in range(1000):
            block = "\n".join(authorisation(i, products[i % len(products)], jurisdictions[i % len(jurisdictions)],
                                            agencies[i % len(agencies)])) + "\n"
            fh.write(block)
            size += len(block)
        i = 0
        while size < limit:
            line = (f'<{EX}note{i}> <{RDFS}label> "Partner note {i} about a cell or gene therapy product" .\n'
                    f"<{EX}note{i}> <{RDFS}seeAlso> <{products[i % len(products)]}> .\n")
            fh.write(line)
            size += len(line)
            i += 1
    with open(typed, "w") as fh:
        size, i = 0, 0
        while size < limit:
            line = f"<{EX}thing{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CGT}Source> .\n"
            fh.write(line)
            size += len(line)
            i += 1
    # the same statements as Turtle (prefixed, one subject per block)
    ttl = folder / "notes.ttl"
    subprocess.run([sys.executable, "-c", "import sys; from pyoxigraph import parse, serialize, RdfFormat;"
                    "serialize(parse(path=sys.argv[1], format=RdfFormat.N_TRIPLES), output=sys.argv[2], "
                    "format=RdfFormat.TURTLE, prefixes={'ex': sys.argv[3], 'cgt': sys.argv[4], 'rdfs': sys.argv[5]})",
                    str(notes), str(ttl), EX, CGT, RDFS], check=True)
    return {"notes.nt": notes, "notes.ttl": ttl, "typed.nt": typed}


MEASURE = """
import resource, subprocess, sys, time, json
t = time.perf_counter()
try:
    p = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]))
    rc, err = p.returncode, p.stderr
except subprocess.TimeoutExpired:
    rc, err = None, "did not finish"
print(json.dumps({"seconds": time.perf_counter() - t, "rc": rc,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "last_line": (err.strip().splitlines() or [""])[0][:160]}))
"""


def measure(cli: list[str], timeout: float) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(timeout), *cli], capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--baseline", type=Path, default=Path("/work/main"))
    ap.add_argument("--baseline-timeout", type=float, default=150)
    args = ap.parse_args()
    here = [str(Path(sys.executable).parent / "cgt-graph")]
    runs = [("this checkout", here, 600.0)]
    if args.baseline and (args.baseline / ".venv/bin/cgt-graph").exists():
        runs.append((f"baseline {args.baseline}", [str(args.baseline / ".venv/bin/cgt-graph")], args.baseline_timeout))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = folder / "store"
        report = build(store, paths.data_dir(), shacl=False)
        files = generate(store, folder, args.mb)
        print(f"store: {report.triples} triples; files: " + ", ".join(
            f"{name} {p.stat().st_size / 1e6:.1f} MB" for name, p in files.items()))
        for label, cli, timeout in runs:
            print(f"\n{label}")
            for name, path in files.items():
                r = measure([*cli, "import", "--partner", "bench", str(path), "--store", str(store),
                             "--max-bytes", str(int(args.mb * 1024 * 1024) + 1)], timeout)
                outcome = "killed after %.0f s" % timeout if r["rc"] is None else f"exit {r['rc']}"
                print(f"  {name:10} {r['seconds']:7.1f} s  peak {r['peak_mb']:7.0f} MB  {outcome}  {r['last_line']}")
                if r["rc"] == 0:  # take it out again so every run starts from the same store
                    subprocess.run([*cli, "import", "--remove", "bench", "--store", str(store)], capture_output=True)


if __name__ == "__main__":
    main()
