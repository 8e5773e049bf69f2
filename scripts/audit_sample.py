"""Draw a fixed, stratified sample of facts to audit against their cited pages (issue #18).

    .venv/bin/python scripts/audit_sample.py --seed 2026 -n 30 > audit.csv

A fact is one field of one record (an authorisation's decision date, holder, indication,
status or pathways; a designation's pathway or date; a product's modality; an event's type and
date) with the citations the record gives. Strata are (kind, jurisdiction); the sample takes
one fact per stratum in turn, in a random order fixed by the seed, so every kind and
jurisdiction is represented before any is drawn twice. The CSV has an empty `verdict` column
for the auditor.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict

from cgt_graph import paths
from cgt_graph.curation.checks import Index, record_key
from cgt_graph.curation.load import load_records

FIELDS = {
    "authorisation": ["decision_date", "holder", "indication", "status", "pathways", "brand_name"],
    "designation": ["pathway", "date"],
    "product": ["modalities", "nonproprietary_name"],
}


def facts(root):
    records, _ = load_records(root)
    idx = Index(records)
    sources = {k: r.data for k, r in idx.by_kind.get("source", {}).items()}
    for rec in records:
        if rec.kind not in FIELDS:
            continue
        d = rec.data
        jur = d.get("jurisdiction") or (idx.get("pathway", str(d.get("pathway"))).data.get("jurisdiction")
                                        if rec.kind == "designation" and idx.get("pathway", str(d.get("pathway"))) else "-")
        cites = d.get("sources") or []
        urls = "; ".join(sources.get(str(c.get("source")), {}).get("url", "?") for c in cites)
        for f in FIELDS[rec.kind]:
            if d.get(f) not in (None, "", []):
                yield (rec.kind, str(jur), record_key(rec), f, str(d.get(f)), urls, f"{rec.file}:{d.line_of(f)}")
        if rec.kind == "authorisation":
            for ev in d.get("events") or []:
                ev_urls = "; ".join(sources.get(str(c.get("source")), {}).get("url", "?") for c in ev.get("sources") or cites)
                yield ("event", str(jur), record_key(rec), "events", f"{ev.get('type')} {ev.get('date')}", ev_urls,
                       f"{rec.file}:{ev.line}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("-n", type=int, default=30)
    a = ap.parse_args()
    strata = defaultdict(list)
    for fact in facts(paths.data_dir()):
        strata[(fact[0], fact[1])].append(fact)
    rng = random.Random(a.seed)
    keys = sorted(strata)
    rng.shuffle(keys)
    for k in keys:
        rng.shuffle(strata[k])
    out, i = [], 0
    while len(out) < a.n and any(strata[k] for k in keys):
        k = keys[i % len(keys)]
        if strata[k]:
            out.append(strata[k].pop())
        i += 1
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["kind", "jurisdiction", "record", "field", "value", "cited pages", "where", "verdict"])
    for row in out:
        w.writerow([*row, ""])
    return 0


if __name__ == "__main__":
    sys.exit(main())
