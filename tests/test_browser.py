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

from tests.e2e import CHROMIUM, browser, running_app, walk

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} missing: `bash scripts/test.sh` installs Debian's chromium")
pytestmark = [pytestmark, pytest.mark.browser]  # deselect with -m "not browser"


def _keep(shots: Path) -> None:
    target = os.environ.get("CGT_GRAPH_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for png in shots.glob("*.png"):
            shutil.copy(png, Path(target) / f"explorer-{png.name}")


def test_a_user_walks_through_the_explorer_offline(real_store, tmp_path, capsys):
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
    header, *rows = list(csv.reader(io.StringIO(box.seen["search_csv"])))
    assert header[:5] == ["product", "jurisdiction", "decision_date", "status", "modality"]
    assert ["Kymriah (tisagenlecleucel)", "EU", "2018-08-22"] in [r[:3] for r in rows]
    assert all("CAR-T" in r[4] or "car-t" in ";".join(r).lower() for r in rows), [r for r in rows if "CAR-T" not in r[4]]
    assert box.seen["product_heading"] == "Kymriah (tisagenlecleucel)"
    assert box.seen["product_url"].endswith("?page=Product&product=tisagenlecleucel")  # a link to share
    assert "https://www.ema.europa.eu/en/medicines/human/EPAR/kymriah" in box.seen["source_links"]
    assert box.seen["sparql_rows"].split()[0] == "95"  # the "Products" example: one row per product
    assert box.seen["editor_height"] > 100 and "SELECT ?product_id" in box.seen["editor_text"]  # still shown
    assert box.seen["graph_neighbourhood_nodes"] > 5
    assert box.seen["graph_whole_nodes"] == timings["graph_whole_nodes"] > 100
    assert box.seen["graph_all_types_drawn"] == timings["graph_all_types_nodes"] > 1000  # sources too
    for name in ["search-car-t", "product-kymriah", "sparql", "graph-neighbourhood", "graph-whole", "compare",
                 "pathways", "network", "downloads"]:
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
        search = page.get_by_placeholder("brand, nonproprietary name", exact=False)
        search.fill("onerror")
        search.press("Enter")
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
