"""What the explorer shows, as plain data: the page code only lays it out.

Every read goes through the query library (`query.run_named`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Store

from .query import run_named


@dataclass
class ProductHit:
    product_id: str
    label: str
    nonproprietary_name: str
    brand_names: str
    modalities: str
    developer: str
    holders: str
    jurisdictions: str
    authorisations: int


def _names(joined: str | None) -> str:
    """'KYMRIAH;Kymriah' -> 'Kymriah': one spelling per name, preferring mixed case."""
    best: dict[str, str] = {}
    for name in (joined or "").split(";"):
        if name and (name.lower() not in best or best[name.lower()].isupper()):
            best[name.lower()] = name
    return "; ".join(sorted(best.values(), key=str.lower))


def products(store: Store) -> list[ProductHit]:
    rows = run_named(store, "products").dicts()
    return [ProductHit(r["product_id"] or "", r["label"] or "", r["nonproprietary_name"] or "",
                       _names(r["brand_names"]), r["modalities"] or "", r["developer"] or "",
                       r["holders"] or "", r["jurisdictions"] or "", int(r["authorisations"] or 0))
            for r in rows]


def search(hits: list[ProductHit], text: str) -> list[ProductHit]:
    """Case-insensitive match of every word on names, modalities, holders and jurisdictions."""
    words = [w for w in text.lower().split() if w]
    if not words:
        return hits

    def haystack(h: ProductHit) -> str:
        return " ".join([h.product_id, h.label, h.nonproprietary_name, h.brand_names, h.modalities,
                         h.developer, h.holders, h.jurisdictions]).lower()
    return [h for h in hits if all(w in haystack(h) for w in words)]


def product_authorisations(store: Store, product_id: str) -> list[dict[str, str | None]]:
    return run_named(store, "product-authorisations", {"product": product_id}).dicts()
