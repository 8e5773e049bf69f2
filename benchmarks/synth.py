"""A synthetic data set in the project's own `data/` format at any multiple of a base.

Copy k of every product, with its authorisations, designations and the sources
they cite, gets ids suffixed `-s<k>` (copy 0 keeps the originals and every
source); shared reference records (jurisdictions, modalities, agencies,
pathways, classes, policies, claims) are written once. A fractional multiple
(2.5) adds a last copy of the first products only (half of them, in id order),
with their own records. The result has the real data's shape (products with
1-5 authorisations, designations, status events, citations) and passes the same
checks, so it measures what the real graph will cost when it grows.

Files are written as they are made (records stream to disk through libyaml), so
memory stays that of the base data at any multiple. Synthetic data is for
benchmarks and tests only.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any, Iterable

import yaml

from cgt_graph.curation.load import LAYOUT, Record, load_records

SCALED = {"product", "authorisation", "designation", "source"}
try:
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Dumper = yaml.SafeDumper


def _plain(obj: Any) -> Any:
    """A fresh copy made of plain dicts and lists (records are `Node`s that know their lines)."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _suffix_cites(cites: Any, sfx: str) -> Any:
    for c in cites or []:
        c["source"] = f"{c['source']}{sfx}"
    return cites


def _cited(d: Any) -> Iterable[str]:
    """Source ids a product, authorisation or designation cites."""
    for c in d.get("sources") or []:
        yield str(c["source"])
    for c in d.get("classification_sources") or []:
        yield str(c["source"])
    for ev in d.get("events") or []:
        for c in ev.get("sources") or []:
            yield str(c["source"])


def _copy(rec: Record, k: int) -> dict[str, Any]:
    d = _plain(rec.data)
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


def _product_of(rec: Record) -> str:
    return str(rec.data["id"] if rec.kind == "product" else rec.data["product"])


def generate(base: Path, out: Path, multiple: float) -> dict[str, int]:
    """Write `multiple` (>= 1, fractional allowed) copies of `base`'s products into a new data directory `out`.

    Returns the number of records written per kind.
    """
    if multiple < 1:
        raise ValueError("multiple must be at least 1")
    records, problems = load_records(base)
    if problems:
        raise ValueError(f"base data has problems: {problems[0]}")
    if out.exists():
        shutil.rmtree(out)
    products = sorted(str(r.data["id"]) for r in records if r.kind == "product")
    full = int(math.floor(multiple))
    frac = multiple - full
    partial = set(products[:round(frac * len(products))]) if frac > 1e-9 else set()
    copies: list[tuple[int, set[str] | None]] = [(k, None) for k in range(full)]
    if partial:
        copies.append((full, partial))
    # sources each copy needs: those its products' records cite
    cited_all: set[str] = set()
    cited_partial: set[str] = set()
    for r in records:
        if r.kind in ("product", "authorisation", "designation"):
            ids = set(_cited(r.data))
            cited_all |= ids
            if _product_of(r) in partial:
                cited_partial |= ids

    def wanted(rec: Record, k: int, only: set[str] | None) -> bool:
        if k == 0:
            return True
        if rec.kind == "source":
            return str(rec.data["id"]) in (cited_all if only is None else cited_partial)
        return only is None or _product_of(rec) in only

    counts: dict[str, int] = {}
    by_file: dict[str, list[Record]] = {}
    for rec in records:
        by_file.setdefault(rec.file, []).append(rec)
    prefix = base.name + "/"
    for file, recs in by_file.items():
        rel = file[len(prefix):] if file.startswith(prefix) else file
        kind = recs[0].kind
        top = rel.split("/", 1)[0]
        kind_copies = copies if kind in SCALED else [(0, None)]
        if LAYOUT.get(kind, ("", ""))[1] == "one" or kind == "product":
            for k, only in kind_copies:
                if not wanted(recs[0], k, only):
                    continue
                d = _copy(recs[0], k)
                _write(out / top / f"{d['id']}.yaml", d)
                counts[kind] = counts.get(kind, 0) + 1
        elif kind in ("scheme", "class"):
            shutil.copytree(base / top, out / top, dirs_exist_ok=True)
        else:
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                for k, only in kind_copies:
                    for r in recs:
                        if wanted(r, k, only):
                            _dump([_copy(r, k)], fh)  # a one-item list: the items join into one list
                            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _dump(obj: Any, fh: Any) -> None:
    yaml.dump(obj, fh, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


def _write(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        _dump(obj, fh)
