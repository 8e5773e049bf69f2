"""A synthetic data set in the project's own `data/` format at any multiple of a base.

Copy k of every product, with its authorisations, designations and the
sources they cite, gets ids suffixed `-s<k>` (copy 0 keeps the originals);
shared reference records (jurisdictions, modalities, agencies, pathways,
classes, policies, claims) are written once. The result has the real data's
shape and passes the same checks, so it measures what the real graph will
cost when it grows. Synthetic data is for benchmarks and tests only.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

from .load import LAYOUT, Record, load_records

SCALED = {"product", "authorisation", "designation", "source"}


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _suffix_cites(cites: Any, sfx: str) -> Any:
    for c in cites or []:
        c["source"] = f"{c['source']}{sfx}"
    return cites


def _copy(rec: Record, k: int) -> dict[str, Any]:
    d = _plain(copy.deepcopy(rec.data))
    if k == 0:
        return d
    sfx = f"-s{k}"
    if rec.kind == "source":
        d["id"] += sfx
        d["url"] = f"{d['url']}{'&' if '?' in d['url'] else '?'}synthetic-copy={k}"
        return d
    if rec.kind == "product":
        d["id"] += sfx
        if d.get("inn"):
            d["inn"] = f"{d['inn']} {sfx[1:]}"
        d.pop("identifiers", None)
    else:
        d["product"] = f"{d['product']}{sfx}"
        if d.get("id"):
            d["id"] += sfx
        for ev in d.get("events") or []:
            _suffix_cites(ev.get("sources"), sfx)
        _suffix_cites(d.get("classification_sources"), sfx)
    _suffix_cites(d.get("sources"), sfx)
    return d


def generate(base: Path, out: Path, multiple: int) -> dict[str, int]:
    """Write `multiple` copies of `base`'s products into a new data directory `out`."""
    records, problems = load_records(base)
    if problems:
        raise ValueError(f"base data has problems: {problems[0]}")
    if out.exists():
        shutil.rmtree(out)
    counts: dict[str, int] = {}
    by_file: dict[str, list[Record]] = {}
    for rec in records:
        by_file.setdefault(rec.file, []).append(rec)
    prefix = base.name + "/"
    for file, recs in by_file.items():
        rel = file[len(prefix):] if file.startswith(prefix) else file
        kind = recs[0].kind
        top = rel.split("/", 1)[0]
        if kind in SCALED:
            copies = range(multiple)
        else:
            copies = range(1)
        if LAYOUT.get(kind, ("", ""))[1] == "one" or kind == "product":
            for k in copies:
                d = _copy(recs[0], k)
                _write(out / top / f"{d['id']}.yaml", d)
                counts[kind] = counts.get(kind, 0) + 1
        elif kind in ("scheme", "class"):
            shutil.copytree(base / top, out / top, dirs_exist_ok=True)
        else:
            items = [_copy(r, k) for k in copies for r in recs]
            _write(out / rel, items)
            counts[kind] = counts.get(kind, 0) + len(items)
    return counts


def _write(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(obj, fh, allow_unicode=True, sort_keys=False, width=120)
