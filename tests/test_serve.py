"""explore.py's serving of Streamlit's frontend (explorer/serve.py): the same files and headers as
Streamlit's own static handler, from memory; the page names the Search page's element files as
preloads; anything else reaches Streamlit untouched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount
from starlette.testclient import TestClient
from streamlit.web.server.starlette.starlette_static_routes import create_streamlit_static_handler

from benchmarks.browser import CHROMIUM, browser, running_app
from cgt_graph.explorer import serve

STATIC = serve.static_dir()
JS = STATIC / "static" / "js"


def _streamlit() -> TestClient:
    """Streamlit's own handler for its frontend files, as `streamlit run app.py` serves them."""
    return TestClient(Starlette(routes=[Mount("/", app=create_streamlit_static_handler(str(STATIC), None))]))


def _ours(seen: list[str]) -> TestClient:
    """The middleware in front of an app that records what reaches it."""
    async def behind(scope, receive, send):
        seen.append(f"{scope['method']} {scope['path']}")
        await PlainTextResponse("behind", status_code=418)(scope, receive, send)
    return TestClient(Starlette(routes=[Mount("/", app=behind)], middleware=serve.middleware()))


def _preloaded(page: str) -> list[str]:
    """The files the page's script names as modulepreloads (explorer/serve.py _PRELOAD_SCRIPT)."""
    found = re.search(r"const files = (\[.*?\]), done", page)
    return json.loads(found.group(1)) if found else []


def test_each_first_screen_element_has_one_file_in_the_installed_streamlit():
    """A Streamlit upgrade that renames an element's file fails here instead of losing its preload."""
    for stem in serve.FIRST_SCREEN:
        assert len([p for p in JS.glob(f"{stem}.*.js") if p.name.split(".", 1)[0] == stem]) == 1, stem


def test_frontend_files_come_back_as_streamlit_sends_them():
    seen: list[str] = []
    ours, theirs = _ours(seen), _streamlit()
    names = ["js/" + n for n in serve.first_screen_files(JS)[:40]]
    names += [f"css/{p.name}" for p in (STATIC / "static" / "css").iterdir()][:2]
    names += [f"media/{p.name}" for p in (STATIC / "static" / "media").iterdir() if p.suffix == ".woff2"][:1]
    assert len(names) > 40
    for name in names:
        a, b = ours.get(f"/static/{name}"), theirs.get(f"/static/{name}")
        assert (a.status_code, a.content) == (b.status_code, b.content) == (200, (STATIC / "static" / name).read_bytes())
        for header in ("content-type", "cache-control", "content-length"):
            assert a.headers[header] == b.headers[header], (name, header)
        assert ours.get(f"/static/{name}").content == a.content  # the second time from memory
    assert seen == []


def test_anything_else_reaches_streamlit_untouched():
    seen: list[str] = []
    client = _ours(seen)
    one = "js/" + serve.first_screen_files(JS)[0]
    asks = [("GET", "/static/js/not-a-file.js"), ("GET", "/static/../index.html"), ("GET", "/static/%2e%2e/index.html"),
            ("GET", "/static/js/../../index.html"), ("GET", "/_stcore/health"), ("GET", "/Product"),
            ("HEAD", f"/static/{one}"), ("POST", f"/static/{one}")]
    for method, path in asks:
        assert client.request(method, path).status_code == 418, path
    assert client.get(f"/static/{one}", headers={"Range": "bytes=0-9"}).status_code == 418
    assert len(seen) == len(asks) + 1


def test_the_page_preloads_every_file_of_the_first_screen_and_is_otherwise_streamlits():
    seen: list[str] = []
    client = _ours(seen)
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    files = _preloaded(page.text)
    assert {n.split(".", 1)[0] for n in files} >= set(serve.FIRST_SCREEN)
    assert files[0].startswith("DataFrame.")  # what the first paint waits for, first
    # with the files Streamlit's page already names, every file an element's file imports: nothing is
    # left for the frontend to discover one import at a time
    named = set(re.findall(r'(?:href|src)="\./static/js/([^"]+)"', page.text))
    assert set(serve.first_screen_files(JS)) <= named | set(files) and not named & set(files)
    for name in files:
        assert client.get(f"/static/js/{name}").status_code == 200
    plain = (STATIC / "index.html").read_text(encoding="utf-8")
    assert re.sub(r"    <script>\n      \(\(\) => \{\n        const files = .*?</script>\n", "", page.text,
                  flags=re.S) == plain
    assert seen == []


def test_the_page_is_left_alone_when_it_names_every_file_already(tmp_path):
    js = tmp_path / "static" / "js"
    js.mkdir(parents=True)
    (js / "DataFrame.abc.js").write_text('import{a}from"./dep.x.js";import"./side.y.js";', encoding="utf-8")
    (js / "dep.x.js").write_text("export const a=1;", encoding="utf-8")
    (js / "side.y.js").write_text("", encoding="utf-8")
    page = '<html><head><script type="module" src="./static/js/dep.x.js"></script>\n</head></html>'
    assert _preloaded(serve.with_preloads(page, js).decode()) == ["DataFrame.abc.js", "side.y.js"]
    named = page.replace("</head>", '<link rel="modulepreload" href="./static/js/DataFrame.abc.js">\n'
                         '<link rel="modulepreload" href="./static/js/side.y.js">\n</head>')
    assert serve.with_preloads(named, js).decode() == named


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test.sh installs it)")
def test_a_browser_fetches_the_grid_before_the_page_asks_for_it(fixture_store, tmp_path):
    """In Chromium, the grid's file is asked for before the first websocket message arrives (the page's
    preload), not once the grid's message has arrived (the frontend's own import)."""
    from benchmarks.firstpaint import MARKS

    with running_app(fixture_store, tmp_path / "streamlit.log") as url, browser() as box:
        box.page.add_init_script(MARKS)
        box.page.goto(url)
        box.page.get_by_text("authorisations of", exact=False).first.wait_for(timeout=60_000)
        box.page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        grid, message = box.page.evaluate(
            "() => [performance.getEntriesByType('resource').filter(e => /\\/DataFrame\\.[^/]*\\.js$/.test(e.name))"
            ".map(e => e.startTime), window.__paint.ws_first_message]")
        assert len(grid) == 1 and 0 < grid[0] < message and box.outside == []


def test_the_server_start_pays_streamlits_first_element_check(fixture_store, monkeypatch):
    """Streamlit walks the stack on its first element in a process (0.3 s): common.warm_up pays it,
    outside any page, so the first visit does not."""
    import streamlit.delta_generator as dg
    from cgt_graph.explorer.pages import common

    monkeypatch.setenv("CGT_GRAPH_STORE", str(fixture_store))
    monkeypatch.setattr(dg, "_use_warning_has_been_displayed", False)
    common.warm_up()
    assert dg._use_warning_has_been_displayed
