"""The explorer's first paint, A/B: this checkout against another one (and Streamlit's floor), interleaved.

First meaningful paint as benchmarks/explorer.py measures it (a new Chromium through Playwright, every
request routed and checked for loopback, from `page.goto` until the "N authorisations of M products"
line and the results grid are visible), for a first visit (the first browser after the server is up)
and a warm visit (a second new browser, same server), on the real graph; and `again`: the warm
visit's browser opening the explorer a second time (Streamlit's files in its cache, as for a person
coming back; benchmarks/explorer.py does not measure this). Each round starts every
variant's server afresh, in a rotating order, and records the load average: the machine is shared,
so compare medians taken in the same run. Beside the total, where the time went in the page
(milliseconds from navigation): DOMContentLoaded (the main bundle), the websocket's first message,
the count line drawn, the grid drawn.

Variants: `this` (explore.py of this checkout); `--against DIR`, repeatable (explore.py of another
checkout, its own src/ first on the path, named by its folder: e.g. `git worktree add --detach /tmp/main
main`); `--floor` adds
`floor` (an empty Streamlit page: the count line and a one-row grid, benchmarks/floor_app.py, under
`streamlit run`) and `floor-served` (the same page served as explore.py serves, explorer/serve.py).
Printed, never asserted.

    .venv/bin/python benchmarks/firstpaint.py [--against DIR] [--floor] [--runs 5] [--store DIR] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.browser import browser, free_port  # noqa: E402

MARKS = r"""
(() => {
  const T = window.__paint = {};
  const mark = (k) => { if (!(k in T)) T[k] = performance.now(); };
  const Native = window.WebSocket;
  window.WebSocket = function (...a) {
    const ws = new Native(...a);
    ws.addEventListener('message', () => mark('ws_first_message'));
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  const seen = new MutationObserver(() => {
    if (document.body && document.body.innerText.includes('authorisations of')) mark('count_line');
    if (document.querySelector('[data-testid="stDataFrame"]')) mark('grid');
  });
  seen.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""
STEPS = ["dom_content_loaded", "ws_first_message", "count_line", "grid"]


@contextlib.contextmanager
def server(script: Path, store: Path, log: Path, pythonpath: Path | None = None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CGT_GRAPH_STORE": str(store)}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    exe = Path(sys.executable).parent / "streamlit"
    cmd = [str(exe), "run", str(script), "--server.headless", "true", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=script.parent, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{script} exited with {proc.returncode}: see {log}")
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{script} did not answer /_stcore/health in time")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def paint(box, url: str) -> dict[str, float]:
    """Open the explorer in `box`'s page: seconds to the first meaningful paint, and the page's marks (ms)."""
    page = box.page
    start = time.perf_counter()
    page.goto(url)
    try:
        page.get_by_text("authorisations of", exact=False).first.wait_for(timeout=60_000)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
    except Exception as e:  # noqa: BLE001 - playwright's TimeoutError: say what the page showed
        raise RuntimeError(f"{url}: no first paint in 60 s ({e.__class__.__name__}); the page showed: "
                           f"{page.inner_text('body')[:500]!r}; errors {box.errors}") from None
    fmp = time.perf_counter() - start
    marks = page.evaluate("() => ({...window.__paint, dom_content_loaded:"
                          " performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd})")
    if box.outside:
        raise RuntimeError(f"requests left the machine: {box.outside}")
    return {"fmp": fmp, **{k: float(marks.get(k) or 0) for k in STEPS}}


def visit(url: str, again: bool = False) -> tuple[dict[str, float], dict[str, float] | None]:
    """One new browser (an empty cache, as benchmarks/explorer.py); with `again`, the same browser
    opens the explorer a second time (its cache holds Streamlit's files: a person coming back)."""
    with browser() as box:
        box.page.add_init_script(MARKS)
        first = paint(box, url)
        if not again:
            return first, None
        box.page.goto("about:blank")
        return first, paint(box, url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", type=Path, action="append", default=[],
                    help="another checkout (its explore.py and src/), named by its folder; may be repeated")
    ap.add_argument("--floor", action="store_true", help="also an empty Streamlit page (the floor)")
    ap.add_argument("--runs", type=int, default=5, help="rounds (each starts every variant's server afresh)")
    ap.add_argument("--store", type=Path, help="a store built from data/ (else built into a temporary directory)")
    ap.add_argument("--json", type=Path, help="write every visit's figures here")
    args = ap.parse_args()

    variants: dict[str, tuple[Path, Path | None]] = {"this": (ROOT / "explore.py", None)}
    for other in args.against:
        variants[other.resolve().name] = (other.resolve() / "explore.py", other.resolve() / "src")
    if args.floor:
        variants["floor"] = (ROOT / "benchmarks" / "floor_app.py", None)
        variants["floor-served"] = (ROOT / "benchmarks" / "floor_served.py", None)

    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            from cgt_graph.graph.build import build
            from cgt_graph.sparql.tables import materialise

            store = Path(tmp) / "store"
            build(store, materialise=materialise)
        results: dict[str, list[dict]] = {name: [] for name in variants}
        names = list(variants)
        for r in range(args.runs):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                script, pythonpath = variants[name]
                load = os.getloadavg()[0]
                with server(script, store.absolute(), Path(tmp) / f"{name}.log", pythonpath) as url:
                    first, _ = visit(url)
                    warm, again = visit(url, again=True)
                results[name].append({"round": r, "load": load, "first": first, "warm": warm, "again": again})
                print(f"round {r} {name:13s} load {load:4.1f}  first {first['fmp']:.2f} s  warm {warm['fmp']:.2f} s"
                      f"  again {again['fmp']:.2f} s", flush=True)

    print(f"\nfirst meaningful paint on the real graph, medians of {args.runs} rounds (seconds; page marks in ms "
          "from navigation); shared 2-core machine, not asserted")
    print(f"  {'variant':13s} {'first':>6s} {'warm':>6s} {'again':>6s}  {'load':>9s}   "
          + "  ".join(f"{s:>18s}" for s in STEPS) + "   (warm visit)")
    for name, runs in results.items():
        loads = [x["load"] for x in runs]
        med = {v: statistics.median(x[v]["fmp"] for x in runs) for v in ("first", "warm", "again")}
        steps = "  ".join(f"{statistics.median(x['warm'][s] for x in runs):18.0f}" for s in STEPS)
        print(f"  {name:13s} {med['first']:6.2f} {med['warm']:6.2f} {med['again']:6.2f}  "
              f"{min(loads):4.1f}-{max(loads):<4.1f}   {steps}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({k: v for k, v in results.items()}, indent=1) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
