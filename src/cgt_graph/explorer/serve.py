"""How explore.py serves Streamlit's own frontend (its package's static/ directory) for a faster first paint.

Measured on the real graph (docs/scale.md, "Explorer first paint (session 4)"): a new browser asks for
about 120 JavaScript files before the Search page is drawn, in two waves: the main bundle's ~60 files,
then, only once the page's elements have arrived over the websocket, the ~60 files of the elements the
Search page uses (the data grid alone is ~30 of them); Chromium fetches at most 6 at a time from one
host. Two changes, both here:

- the page (index.html) carries a small script that names the Search page's element files as
  `modulepreload` links as soon as Streamlit's frontend has asked for its host configuration (just
  before it opens the websocket): they are fetched while the websocket connects and the server runs the
  page, so the elements draw when their messages arrive (fetched, not run: the frontend still imports
  them itself). Named in the page itself, they queued the health check and the websocket behind them
  (the websocket 0.5 s later, no gain);
- the files are answered from memory (each read once) with the headers Streamlit sends, not through
  Starlette's StaticFiles (a thread hop for each stat, open and read, 5-12 ms a file on a loaded
  machine, on the event loop that also carries the page's messages).

Anything else (HEAD, ranges, other paths, names not found in the directory at start) goes to
Streamlit untouched.
"""

from __future__ import annotations

import json
import mimetypes
import re
from pathlib import Path
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]

#: what Streamlit sends with its hashed bundles (streamlit/web/server/starlette/starlette_static_routes.py)
CACHE_CONTROL = b"public, immutable, max-age=31536000"

#: the elements the Search page draws on its first screen (app.py's sidebar radio; pages/search.py), by
#: the name of their file in Streamlit's frontend (`<Name>.<hash>.js`); tests/test_serve.py checks that
#: the installed Streamlit has each one
FIRST_SCREEN = ("DataFrame", "Multiselect", "TextInput", "Radio", "Selectbox", "DownloadButton", "Button")
_IMPORT = re.compile(r'(?:\bfrom|\bimport)\s*"\./([\w.-]+\.js)"')  # a module's static imports, minified ES
_PRELOADED = re.compile(r'(?:href|src)="\./static/js/([\w.-]+\.js)"')


def static_dir() -> Path:
    from streamlit import file_util

    return Path(file_util.get_static_dir())


class FrontendAssets:
    """ASGI middleware: GET <base>/static/<file> of Streamlit's frontend, from memory.

    Only names found by listing the directory at start are answered (a dictionary look-up, so
    no path from a request ever reaches the file system)."""

    def __init__(self, app: ASGIApp, directory: Path | None = None) -> None:
        self.app = app
        top = directory or static_dir()
        root = top / "static"
        self.root = root
        self.names = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()
        self.cache: dict[str, tuple[bytes, bytes]] = {}
        self.prefix: str | None = None
        index = top / "index.html"
        self.index = with_preloads(index.read_text(encoding="utf-8"), root / "js") if index.is_file() else None

    def _prefix(self) -> str:
        if self.prefix is None:
            from streamlit import config

            base = (config.get_option("server.baseUrlPath") or "").strip("/")
            self.prefix = f"/{base}/static/" if base else "/static/"
        return self.prefix

    def lookup(self, path: str) -> tuple[bytes, bytes] | None:
        """(body, content type) of a frontend file named by a request path, or None."""
        prefix = self._prefix()
        if not path.startswith(prefix):
            return None
        name = path[len(prefix):]
        if name not in self.names:
            return None
        hit = self.cache.get(name)
        if hit is None:
            body = (self.root / name).read_bytes()  # a package file, read once; a few hundred KB at most
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if kind.startswith("text/"):
                kind += "; charset=utf-8"
            hit = self.cache[name] = (body, kind.encode("latin-1"))
        return hit

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not any(k == b"range" for k, _ in scope["headers"]):
            path = scope["path"]
            if self.index is not None and path == self._prefix().removesuffix("static/"):  # the page itself
                await _answer(send, self.index, b"text/html; charset=utf-8", b"no-cache")
                return
            hit = self.lookup(path)
            if hit is not None:
                await _answer(send, hit[0], hit[1], CACHE_CONTROL)
                return
        await self.app(scope, receive, send)


async def _answer(send, body: bytes, kind: bytes, cache: bytes) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", cache)]})
    await send({"type": "http.response.body", "body": body})


def first_screen_files(js: Path) -> list[str]:
    """The files of FIRST_SCREEN's elements and every file they import: the first element's (the
    grid's) first, each file once."""
    seen: list[str] = []
    for stem in FIRST_SCREEN:
        todo = sorted(p.name for p in js.glob(f"{stem}.*.js") if p.name.split(".", 1)[0] == stem)
        while todo:
            name = todo.pop(0)
            if name in seen or not (js / name).is_file():
                continue
            seen.append(name)
            todo += _IMPORT.findall((js / name).read_text(encoding="utf-8"))
    return seen


#: run by the page: once Streamlit's frontend has asked for its host configuration (it opens the
#: websocket next), name the files as modulepreloads; not earlier, where they would queue the
#: health check, that request and the websocket behind them (measured: the websocket 0.5 s later)
_PRELOAD_SCRIPT = """    <script>
      (() => {
        const files = %s, done = () => {
          if (files.length === 0) return;
          for (const f of files.splice(0)) {
            const l = document.createElement("link");
            l.rel = "modulepreload"; l.crossOrigin = ""; l.href = "./static/js/" + f;
            document.head.appendChild(l);
          }
        };
        new PerformanceObserver((list, o) => {
          if (list.getEntries().some((e) => e.name.includes("/_stcore/host-config"))) { o.disconnect(); done(); }
        }).observe({type: "resource", buffered: true});
        addEventListener("load", () => setTimeout(done, 500));
      })();
    </script>
"""


def with_preloads(index: str, js: Path) -> bytes:
    """Streamlit's index.html with a script that preloads the first-screen files it does not name
    yet (before </head>); the page unchanged when there is nothing to add."""
    named = set(_PRELOADED.findall(index))
    extra = [n for n in first_screen_files(js) if n not in named]
    end = index.find("</head>")
    if extra and end >= 0:
        line = index.rfind("\n", 0, end) + 1  # before the line that closes the head
        index = index[:line] + _PRELOAD_SCRIPT % json.dumps(extra) + index[line:]
    return index.encode("utf-8")


def middleware() -> list:
    """The middleware explore.py hands to st.App."""
    from starlette.middleware import Middleware

    return [Middleware(FrontendAssets)]
