"""Drive the explorer in a real browser (Debian's Chromium through Playwright).

Shared by benchmarks/explorer.py (which prints the timings) and tests/test_browser.py (which
asserts what a user sees). Never `playwright install`: the browser is /usr/bin/chromium,
installed by scripts/test.sh from Debian.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(store: Path, log: Path, timeout: float = 90) -> Iterator[str]:
    """`streamlit run explore.py` (what scripts/explore.sh runs: app.py's pages, read ahead at the
    server's start) on a free loopback port over `store`; yields the base URL once /_stcore/health
    answers ok."""
    port = free_port()
    env = {**os.environ, "CGT_GRAPH_STORE": str(store)}
    exe = Path(sys.executable).parent / "streamlit"
    cmd = [str(exe), "run", str(ROOT / "explore.py"), "--server.headless", "true", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not answer /_stcore/health in time")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class Browser:
    """A Chromium page whose every request is checked: non-loopback hosts are refused and recorded."""

    page: object
    outside: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    seen: dict[str, object] = field(default_factory=dict)  # what the walk saw, for the test to check
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def browser(width: int = 1500, height: int = 1000) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = b.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            box = Browser(page)

            def route(r):
                host = urlsplit(r.request.url).hostname or ""
                if r.request.url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK:
                    r.continue_()
                else:
                    box.outside.append(r.request.url)
                    r.abort()
            context.route("**/*", route)
            page.on("dialog", lambda d: (box.dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: box.errors.append(str(e)))
            yield box
        finally:
            b.close()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Until Streamlit has finished the current run (its status widget says 'Running…' meanwhile)."""
    page.wait_for_timeout(150)
    page.wait_for_function("() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
                           " return app && app.getAttribute('data-test-script-state') !== 'running'"
                           " && !document.querySelector('[data-testid=\"stStatusWidget\"]') }", timeout=timeout)


def click_page(page, name: str) -> None:
    page.locator('[data-testid="stSidebar"] label').filter(has_text=name).first.click()


def pick(page, label: str, text: str) -> None:
    """Choose an option in the selectbox labelled `label` by typing `text`."""
    box = page.get_by_label(label, exact=False).first
    box.click()
    page.keyboard.type(text)
    page.get_by_role("option").filter(has_text=text).first.click()


def choose(page, facet: int, text: str) -> None:
    """In the `facet`-th multiselect of the page, type `text` and take the first option it
    leaves (what a user does), then close the list."""
    box = page.locator("[data-testid=stMultiSelect]").nth(facet)
    for attempt in range(3):  # on a loaded machine a rerun can close the list under the typing
        wait_idle(page)
        box.locator("input").click()
        page.keyboard.type(text)
        try:
            page.get_by_role("option").filter(has_text=text).first.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; retried, then raised
            page.keyboard.press("Escape")
            box.locator("input").fill("")
            if attempt == 2:
                raise
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_idle(page)


def search_for(page, text: str) -> None:
    box = page.get_by_test_id("stTextInputField").first
    box.fill(text)
    box.press("Enter")
    wait_idle(page)


def result_count(page) -> str:
    """The line above the table: 'N authorisations of M products'."""
    wait_idle(page)
    return page.get_by_text(" authorisations of ", exact=False).first.inner_text().split(" (of ")[0]


def grid_rows(page, nth: int = 0) -> list[list[str]]:
    """The rows a user sees in the `nth` table (Glide's accessible copy of its drawn rows):
    header first, one list of cell texts per row. Read again while the grid is being redrawn
    (no rows yet, or rows shorter than the header)."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(nth)
    grid.wait_for()
    rows: list[list[str]] = []
    for _ in range(20):
        wait_idle(page)
        grid.locator("[role=gridcell]").first.wait_for(state="attached", timeout=10_000)  # drawn after the run
        rows = []
        for i in range(grid.locator("[role=row]").count()):
            cells = grid.locator("[role=row]").nth(i).locator("[role=columnheader], [role=gridcell]")
            rows.append([(cells.nth(j).text_content() or "").strip() for j in range(cells.count())])
        if len(rows) > 1 and rows[0] and all(len(r) == len(rows[0]) for r in rows):
            return rows
        page.wait_for_timeout(250)
    return rows


def download(page, name: str) -> str:
    with page.expect_download() as d:
        page.get_by_role("button", name=name).click()
    return Path(d.value.path()).read_text(encoding="utf-8")


def click_row(page, row: int, nth: int = 0) -> None:
    """Click the selection box of the `row`-th data row (0 = first) of the `nth` table."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(nth)
    box = grid.bounding_box()
    header = grid.locator("[role=columnheader]").first.bounding_box()
    h = header["height"] if header else 35
    page.mouse.click(box["x"] + 15, box["y"] + h + h * row + h / 2)


def cy_nodes(page) -> int:
    """Number of nodes drawn by the Cytoscape component (-1 while it is not there yet)."""
    for frame in page.frames:
        try:
            n = frame.evaluate("() => { const e = document.getElementById('cy'); const cy = e && e._cyreg && e._cyreg.cy;"
                               " return cy ? cy.nodes().length : -1 }")
        except Exception:  # noqa: BLE001 - frames come and go while Streamlit reruns
            continue
        if n >= 0:
            return n
    return -1


def tall(page, path: Path, height: int = 2400) -> None:
    """A screenshot of a whole page: Streamlit scrolls inside its own container, so the
    window is made tall for the picture."""
    size = page.viewport_size
    page.evaluate("() => document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0 })")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(600)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def walk(url: str, shots: Path, box: Browser, whole_graph: bool = True) -> dict[str, float]:
    """The user's path: search "CAR-T", open Kymriah, its sources, a SPARQL example, the graph
    (a product's neighbourhood, then the whole graph), Compare, Pathways, Downloads. Saves a
    screenshot per page in `shots`; returns seconds per step."""
    page = box.page
    shots.mkdir(parents=True, exist_ok=True)
    t: dict[str, float] = {}

    start = time.perf_counter()
    page.goto(url)
    page.get_by_text("authorisations of", exact=False).first.wait_for(timeout=60_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
    t["first_meaningful_paint"] = time.perf_counter() - start
    wait_idle(page)

    tall(page, shots / "search.png", 1500)
    start = time.perf_counter()
    search_for(page, "CAR-T")
    t["search_car_t"] = time.perf_counter() - start
    box.seen["count_car_t"] = result_count(page)
    page.screenshot(path=str(shots / "search-car-t.png"))
    for name in ["China", "European Union"]:
        start = time.perf_counter()
        choose(page, 1, name)
        t[f"facet_{name.lower().replace(' ', '_')}"] = time.perf_counter() - start
    box.seen["count_facets"] = result_count(page)
    tall(page, shots / "search-car-t-china-eu.png", 1500)
    start = time.perf_counter()
    box.seen["search_csv"] = download(page, "Download these rows (CSV)")
    wait_idle(page)
    t["download_csv"] = time.perf_counter() - start
    box.seen["count_after_download"] = result_count(page)

    pick(page, "Open a product from these results", "Kymriah")
    wait_idle(page)
    start = time.perf_counter()
    page.get_by_role("button", name="Open product page").click()
    page.get_by_text("Sources: every fact", exact=False).wait_for()
    wait_idle(page)
    t["open_product"] = time.perf_counter() - start
    box.seen["product_heading"] = page.locator("h3").first.inner_text()
    box.seen["product_url"] = page.url
    tall(page, shots / "product-kymriah.png", 2600)
    page.get_by_text("Source links (", exact=False).click()
    links = page.locator('[data-testid="stExpander"] a[href^="http"]')
    links.first.wait_for()
    box.seen["source_links"] = [links.nth(i).get_attribute("href") for i in range(links.count())]
    page.get_by_text("Sources: every fact", exact=False).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "product-kymriah-sources.png"))

    start = time.perf_counter()
    click_page(page, "SPARQL")
    page.get_by_role("button", name="Run query").wait_for()
    wait_idle(page)
    t["open_sparql"] = time.perf_counter() - start
    start = time.perf_counter()
    page.get_by_role("button", name="Run query").click()
    page.get_by_text(re.compile(r"^\d+ rows$")).first.wait_for()
    wait_idle(page)
    t["run_sparql_example"] = time.perf_counter() - start
    box.seen["sparql_rows"] = page.get_by_text(re.compile(r"^\d+ rows$")).first.inner_text()
    editor = page.locator('iframe[title*="code_editor"]').first
    box.seen["editor_height"] = (editor.bounding_box() or {}).get("height", 0)
    box.seen["editor_text"] = page.frame_locator('iframe[title*="code_editor"]').first.locator(".ace_content").inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / "sparql.png"))  # no resize: the editor's iframe reflows slowly

    start = time.perf_counter()
    click_page(page, "Graph")
    page.wait_for_function("() => true")
    deadline = time.monotonic() + 60
    while cy_nodes(page) <= 0 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    wait_idle(page)
    t["graph_neighbourhood"] = time.perf_counter() - start
    box.seen["graph_neighbourhood_nodes"] = cy_nodes(page)
    page.wait_for_timeout(700)
    tall(page, shots / "graph-neighbourhood.png", 1300)

    if whole_graph:
        start = time.perf_counter()
        page.get_by_text("Whole graph, grouped by jurisdiction", exact=True).click()
        caption = page.get_by_text(" nodes. Click a node", exact=False).first
        deadline = time.monotonic() + 120
        expected = -2
        while time.monotonic() < deadline:
            try:
                expected = int(caption.inner_text(timeout=1000).split()[0])
            except Exception:  # noqa: BLE001 - the caption is being redrawn
                pass
            if expected > 100 and cy_nodes(page) == expected:
                break
            page.wait_for_timeout(100)
        t["graph_whole"] = time.perf_counter() - start
        t["graph_whole_nodes"] = float(expected)
        box.seen["graph_whole_nodes"] = cy_nodes(page)
        page.wait_for_timeout(700)
        tall(page, shots / "graph-whole.png", 1300)

        # every node type, sources and events included: the whole graph
        start = time.perf_counter()
        page.locator("[data-testid=stMultiSelect] input").first.click()
        page.get_by_role("option", name="Select all").click()
        page.keyboard.press("Escape")
        deadline = time.monotonic() + 120
        everything = -2
        while time.monotonic() < deadline:
            try:
                everything = int(caption.inner_text(timeout=1000).split()[0])
            except Exception:  # noqa: BLE001 - the caption is being redrawn
                pass
            if everything > expected and cy_nodes(page) == everything:
                break
            page.wait_for_timeout(100)
        t["graph_all_types"] = time.perf_counter() - start
        t["graph_all_types_nodes"] = float(everything)
        box.seen["graph_all_types_drawn"] = cy_nodes(page)
        page.wait_for_timeout(700)
        page.screenshot(path=str(shots / "graph-all-types.png"))

    for name, slug in [("Compare jurisdictions", "compare"), ("Pathways and classes", "pathways"),
                       ("Review times", "review-times"), ("Network", "network"), ("Downloads", "downloads"), ("What changed", "changes")]:
        start = time.perf_counter()
        click_page(page, name)
        page.get_by_role("heading", name=name, exact=True).wait_for()
        wait_idle(page)
        t[f"open_{slug}"] = time.perf_counter() - start
        page.wait_for_timeout(500)  # charts draw after the run ends
        if slug == "review-times":  # the groups with their n, as the plot's axis reads them
            box.seen["review_groups"] = page.locator('[data-testid="stVegaLiteChart"] svg').first.text_content()
        tall(page, shots / f"{slug}.png")

    # back to Search: the last search is still there; then a place and a Chinese brand
    start = time.perf_counter()
    click_page(page, "Search")
    page.get_by_text(" authorisations of ", exact=False).first.wait_for()
    t["back_to_search"] = time.perf_counter() - start
    box.seen["count_back"] = result_count(page)
    start = time.perf_counter()  # a shared address opens a new search
    page.goto(url + "/?page=Search&q=China")
    page.get_by_text(" authorisations of ", exact=False).first.wait_for(timeout=60_000)
    wait_idle(page)
    t["open_address_search_china"] = time.perf_counter() - start
    box.seen["count_china"] = result_count(page)
    tall(page, shots / "search-china.png", 1500)
    start = time.perf_counter()
    search_for(page, "源瑞达")
    t["search_chinese_brand"] = time.perf_counter() - start
    box.seen["count_chinese_brand"] = result_count(page)
    page.screenshot(path=str(shots / "search-chinese-brand.png"))
    return t


def short_walk(url: str, box: Browser, shots: Path | None = None) -> dict[str, float]:
    """The Search and Product pages only (for the 100x graph): first paint, a text search, a
    facet, the CSV, opening a product from the results. With `shots`, a screenshot after each
    step (search.png, car-t.png, china.png, product.png) for a person to look at."""
    page = box.page
    t: dict[str, float] = {}

    def shot(name: str) -> None:
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            tall(page, shots / f"{name}.png")

    start = time.perf_counter()
    page.goto(url)
    page.get_by_text(" authorisations of ", exact=False).first.wait_for(timeout=300_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=300_000)
    t["first_meaningful_paint"] = time.perf_counter() - start
    wait_idle(page, 300_000)
    box.seen["count"] = result_count(page)
    shot("search")
    start = time.perf_counter()
    search_for(page, "CAR-T")
    t["search_car_t"] = time.perf_counter() - start
    box.seen["count_car_t"] = result_count(page)
    shot("car-t")
    start = time.perf_counter()
    choose(page, 1, "China")
    t["facet_china"] = time.perf_counter() - start
    box.seen["count_china"] = result_count(page)
    shot("china")
    start = time.perf_counter()
    box.seen["csv"] = download(page, "Download these rows (CSV)")
    wait_idle(page)
    t["download_csv"] = time.perf_counter() - start
    start = time.perf_counter()
    page.get_by_role("button", name="Open product page").click()
    page.get_by_text("Sources: every fact", exact=False).wait_for(timeout=300_000)
    wait_idle(page, 300_000)
    t["open_product"] = time.perf_counter() - start
    shot("product")
    return t
