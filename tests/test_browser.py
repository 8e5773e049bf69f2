"""End to end in a real browser: Debian's Chromium driven by Playwright (never `playwright
install`; scripts/test.sh installs /usr/bin/chromium). The app runs as `streamlit run app.py`
on a loopback port; every request goes through a route that refuses non-loopback hosts.

Timings are printed (and saved as timings.json beside the screenshots), never asserted:
the machine is shared. Screenshots go to the test's tmp_path; set CGT_GRAPH_SCREENSHOTS=DIR
to copy them there (e.g. docs/screenshots when refreshing them deliberately).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from benchmarks.browser import (CHROMIUM, browser, choose, click_row, download, grid_rows, result_count, running_app,
                                search_for, wait_idle, walk)
from cgt_graph.sparql.library import run_named

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} missing: `bash scripts/test.sh` installs Debian's chromium")
pytestmark = [pytestmark, pytest.mark.browser]  # deselect with -m "not browser"


def _keep(shots: Path) -> None:
    target = os.environ.get("CGT_GRAPH_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for png in shots.glob("*.png"):
            shutil.copy(png, Path(target) / f"explorer-{png.name}")


def test_a_user_walks_through_the_explorer_offline(real_store, real_oxi, tmp_path, capsys):
    shots = tmp_path / "screenshots"
    with running_app(real_store, tmp_path / "streamlit.log") as url, browser() as box:
        try:
            timings = walk(url, shots, box, whole_graph=True)
        finally:
            box.page.screenshot(path=str(tmp_path / "last.png"))
    (shots / "timings.json").write_text(json.dumps(timings, indent=2))
    with capsys.disabled():
        print(f"\nexplorer timings (s, shared 2-core machine, not asserted), screenshots in {shots}:")
        for k, v in timings.items():
            print(f"  {k:26s} {v:8.2f}")
    _keep(shots)
    assert box.outside == [], f"requests left the machine: {box.outside}"
    assert box.dialogs == [] and box.errors == []
    rows = list(csv.DictReader(io.StringIO(box.seen["search_csv"])))
    assert ("Kymriah (tisagenlecleucel)", "EU", "2018-08-22") in {(r["product"], r["jurisdiction_code"],
                                                                  r["decision_date"]) for r in rows}
    assert {r["jurisdiction"] for r in rows} == {"China", "European Union"}
    assert all("car-t" in r["modality_codes"].split(";") for r in rows)
    # the facets held through the download and a trip round every page
    assert box.seen["count_facets"] == box.seen["count_after_download"] == box.seen["count_back"] \
        == f"{len(rows)} authorisations of {len({r['product_id'] for r in rows})} products"
    cn = [a for a in _authorisations(real_oxi) if a["jurisdiction"] == "CN"]
    assert box.seen["count_china"] == f"{len(cn)} authorisations of {len({a['product_id'] for a in cn})} products"
    assert box.seen["count_chinese_brand"] == "1 authorisations of 1 products"
    assert box.seen["product_heading"] == "Kymriah (tisagenlecleucel)"
    assert box.seen["product_url"].endswith("?page=Product&product=tisagenlecleucel")  # a link to share
    assert "https://www.ema.europa.eu/en/medicines/human/EPAR/kymriah" in box.seen["source_links"]
    assert int(box.seen["sparql_rows"].split()[0]) == len(_products(real_oxi))  # "Products": one row per product
    assert box.seen["editor_height"] > 100 and "SELECT ?product_id" in box.seen["editor_text"]  # still shown
    assert box.seen["graph_neighbourhood_nodes"] > 5
    assert box.seen["graph_whole_nodes"] == timings["graph_whole_nodes"] > 100
    assert box.seen["graph_all_types_drawn"] == timings["graph_all_types_nodes"] > 1000  # sources too
    assert "FDA, United States, from submission (n=" in box.seen["review_groups"]  # n beside each group
    for name in ["search", "search-car-t", "search-car-t-china-eu", "search-china", "search-chinese-brand", "product-kymriah", "sparql", "graph-neighbourhood", "graph-whole", "compare", "changes",
                 "pathways", "review-times", "network", "downloads"]:
        assert (shots / f"{name}.png").stat().st_size > 10_000, name


def test_a_hostile_label_is_text_in_the_browser(data_copy, tmp_path):
    from cgt_graph.graph.build import build

    payload = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    p = data_copy / "products" / "demogene-parvovec.yaml"
    p.write_text(p.read_text().replace("brand_names: [Gammavec]", f"brand_names: ['{payload}']"))
    build(tmp_path / "store", data_copy)
    with running_app(tmp_path / "store", tmp_path / "streamlit.log") as url, browser() as box:
        page = box.page
        page.goto(url)
        page.get_by_text(" authorisations of ", exact=False).first.wait_for(timeout=60_000)
        wait_idle(page)
        search_for(page, "onerror")
        page.get_by_text(" authorisations of 1 products", exact=False).wait_for(timeout=60_000)
        page.get_by_role("button", name="Open product page").click()
        heading = page.locator("h3").filter(has_text="demogene")
        heading.wait_for()
        assert heading.inner_text() == f"{payload} (demogene parvovec)"
        page.wait_for_timeout(1000)
        (tmp_path / "shots").mkdir()
        page.screenshot(path=str(tmp_path / "shots" / "hostile-label.png"))
        assert page.locator("img[src=x]").count() == 0
    assert box.dialogs == [] and box.outside == []
    _keep(tmp_path / "shots")


# ----------------------------------------------------------------------------- the flows of issue #15
# Expected rows come from the library's export query, not from the explorer's code.

def _authorisations(real_oxi) -> list[dict[str, str]]:
    return [{k: v or "" for k, v in r.items()} for r in run_named(real_oxi, "authorisations-table").dicts()]


def _csv_rows(text: str) -> set[tuple[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return {(r["product_id"], r.get("jurisdiction_code") or r["jurisdiction"]) for r in rows}


def _products(real_oxi) -> dict[str, str]:
    return {r["product_id"] or "": r["label"] or "" for r in run_named(real_oxi, "products").dicts()}


def test_facets_then_text_then_download_then_open_never_empty_the_table(real_store, real_oxi, tmp_path):
    """The walk that emptied the table: modality, then two jurisdictions, new search text,
    CSV download (a rerun), open a product from the results."""
    auths = _authorisations(real_oxi)
    labels = _products(real_oxi)
    car_t = {(a["product_id"], a["jurisdiction"]) for a in auths
             if "car-t" in a["modality"].split(";") and a["jurisdiction"] in ("CN", "EU")}
    autoleucel = {(p, j) for p, j in car_t if "autoleucel" in
                  next(a["nonproprietary_name"] for a in auths if a["product_id"] == p)}
    assert len(car_t) > len(autoleucel) > 1  # the data make each step visible
    with running_app(real_store, tmp_path / "streamlit.log") as url, browser() as box:
        page = box.page
        try:
            page.goto(url)
            page.get_by_text(" authorisations of ", exact=False).first.wait_for(timeout=60_000)
            wait_idle(page)
            choose(page, 0, "CAR-T")
            choose(page, 1, "China")
            choose(page, 1, "European Union")
            n_products = len({p for p, _ in car_t})
            assert result_count(page) == f"{len(car_t)} authorisations of {n_products} products"
            seen = grid_rows(page)
            header, body = seen[0], seen[1:]
            assert "Product" in header and "Jurisdiction" in header
            j = header.index("Jurisdiction")
            assert body and {r[j] for r in body} <= {"China", "European Union"}
            assert {r[header.index("Product")] for r in body} <= {labels[p] for p, _ in car_t}

            search_for(page, "autoleucel")
            n_products = len({p for p, _ in autoleucel})
            assert result_count(page) == f"{len(autoleucel)} authorisations of {n_products} products"
            assert _csv_rows(download(page, "Download these rows (CSV)")) == autoleucel
            wait_idle(page)
            # the download was a rerun: the table is still there, with the same rows
            assert result_count(page) == f"{len(autoleucel)} authorisations of {n_products} products"
            first = grid_rows(page)[1][header.index("Product")]
            click_row(page, 0)
            page.locator("h3").filter(has_text=first).first.wait_for(timeout=30_000)
            wait_idle(page)
            assert "page=Product" in page.url
            pid = next(p for p, _ in autoleucel if labels[p] == first)
            assert f"product={pid}" in page.url
            # Back returns to the search as it was
            page.go_back()
            page.get_by_text(" authorisations of ", exact=False).first.wait_for(timeout=30_000)
            assert result_count(page) == f"{len(autoleucel)} authorisations of {n_products} products"
            assert page.get_by_test_id("stTextInputField").first.input_value() == "autoleucel"
        finally:
            page.screenshot(path=str(tmp_path / "last.png"))
    assert box.outside == [] and box.errors == []


def test_search_by_place_short_form_and_chinese_brand(real_store, real_oxi, tmp_path):
    """"China", "European Union", "cilta-cel" and a Chinese brand each give the rows a user
    expects, best matches first."""
    auths = _authorisations(real_oxi)
    labels = _products(real_oxi)
    cjk = sorted((a for a in auths if a["jurisdiction"] == "CN" and a["brand_name"]
                  and any("\u4e00" <= ch <= "\u9fff" for ch in a["brand_name"])), key=lambda a: a["product_id"])
    assert cjk, "no Chinese brand name in the data"
    brand = cjk[0]["brand_name"].split(" (")[0]
    # the authorisations each search should find (a product may hold two in one jurisdiction: two brands)
    found = {
        "China": [a for a in auths if a["jurisdiction"] == "CN"],
        "European Union": [a for a in auths if a["jurisdiction"] == "EU"],
        "cilta-cel": [a for a in auths if a["product_id"] == "ciltacabtagene-autoleucel"],
        brand: [a for a in auths if a["product_id"] == cjk[0]["product_id"]],
    }
    cases = {text: {(a["product_id"], a["jurisdiction"]) for a in rows} for text, rows in found.items()}
    places = {"China": "China", "European Union": "European Union"}
    with running_app(real_store, tmp_path / "streamlit.log") as url, browser() as box:
        page = box.page
        try:
            page.goto(url)
            page.get_by_text(" authorisations of ", exact=False).first.wait_for(timeout=60_000)
            wait_idle(page)
            for text, expected in cases.items():
                assert expected, text
                search_for(page, text)
                n_products = len({p for p, _ in expected})
                assert result_count(page) == f"{len(found[text])} authorisations of {n_products} products", text
                assert _csv_rows(download(page, "Download these rows (CSV)")) == expected, text
                seen = grid_rows(page)
                header, body = seen[0], seen[1:]
                assert body, text
                products = {r[header.index("Product")] for r in body}
                assert products <= {labels[p] for p, _ in expected}, text
                if text in places:
                    assert {r[header.index("Jurisdiction")] for r in body} == {places[text]}
                else:  # one product: every row is it
                    assert products == {labels[next(iter(expected))[0]]}, text
                if text == brand:  # the Latin name beside the Chinese brand
                    b = [r[header.index("Brand")] for r in body if r[header.index("Jurisdiction")] == "China"]
                    assert b and all(x.startswith(brand + " (") and x.isascii() is False for x in b), b
                    page.screenshot(path=str(tmp_path / "chinese-brand.png"))
        finally:
            page.screenshot(path=str(tmp_path / "last.png"))
    assert box.outside == [] and box.errors == []
