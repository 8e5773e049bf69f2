"""The embedded Oxigraph store: built into a fresh directory, published by an
atomic symlink switch, opened read-only by readers.

Layout, for a store path P (default ~/.local/share/cgt-graph/store):

    P            -> symlink to P.builds/<build-id>   (switched with os.replace)
    P.builds/    one directory per build; the current and the previous are kept
    P.lock       held (flock) by a running build

A build killed at any moment leaves P pointing at the previous complete
build: readers never see a half-built store.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from pyoxigraph import RdfFormat, Store

from cgt_graph.errors import STORE, CgtError


class StoreError(CgtError):
    """The store is missing, locked or unusable (exit code 3)."""

    code = STORE


def builds_dir(store: Path) -> Path:
    return store.with_name(store.name + ".builds")


@contextmanager
def build_lock(store: Path) -> Iterator[None]:
    store.parent.mkdir(parents=True, exist_ok=True)
    lock_path = store.with_name(store.name + ".lock")
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreError(f"another build holds {lock_path}") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def new_build_dir(store: Path) -> Path:
    root = builds_dir(store)
    root.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path = root / name
    path.mkdir()
    return path


LOAD_BLOCK = 64 * 2**20
"""Files are bulk-loaded in blocks of whole lines of about this many bytes: Oxigraph's bulk loader
holds its whole input's batches in memory (100x, 2.0M quads in one call: 1,512 MB peak; in 8 blocks
of ~65 MB: 286 MB, the same CPU time; docs/scale.md, session 3)."""


def bulk_load(build: Path, *nquads: bytes | Path) -> Store:
    """Load N-Quads (files or bytes, one after the other, never joined into one copy) into a new
    on-disk store at `build` and flush it."""
    store = Store(str(build))
    for chunk in nquads:
        load_into(store, chunk)
    store.flush()
    store.optimize()
    return store


def load_into(store: Store, source: bytes | Path, start: int = 0, end: int | None = None,
              stop: Callable[[], bool] = lambda: False, done: Callable[[int], object] = lambda n: None) -> bool:
    """`bulk_load` N-Quads bytes, or a file in blocks of whole lines (bytes `start` to `end` of it:
    a file still being appended to), into `store`; `done(bytes)` after each block; between blocks,
    give up if `stop()`. False if it gave up."""
    if isinstance(source, Path):
        for block in _blocks(source, start=start, end=end):
            if stop():
                return False
            store.bulk_load(block, format=RdfFormat.N_QUADS)
            done(len(block))
    elif source:
        store.bulk_load(source, format=RdfFormat.N_QUADS)
        done(len(source))
    return True


def _blocks(path: Path, size: int = LOAD_BLOCK, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Bytes `start` to `end` (default: the end) of the file in blocks of whole lines (N-Quads has one
    statement per line; `start` and `end` are line boundaries)."""
    with path.open("rb") as f:
        f.seek(start)
        left = -1 if end is None else end - start
        rest = b""
        while left and (block := f.read(size if left < 0 else min(size, left))):
            if left > 0:
                left -= len(block)
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:  # no line end yet: keep reading
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]
        if rest:
            yield rest


def publish(store: Path, build: Path) -> None:
    """Point `store` at `build` atomically, then prune old builds."""
    if store.exists() and not store.is_symlink():
        raise StoreError(f"{store} exists and is not a cgt-graph store symlink; move it away")
    tmp = store.with_name(f".{store.name}.{os.getpid()}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    previous = current_build(store)
    os.symlink(os.path.relpath(build, store.parent), tmp)
    os.replace(tmp, store)
    _fsync_dir(store.parent)
    keep = {build.resolve()}
    if previous is not None:
        keep.add(previous.resolve())
    prune(store, keep)


def prune(store: Path, keep: set[Path]) -> None:
    """Remove builds other than `keep` (also orphans of killed builds)."""
    root = builds_dir(store)
    if not root.is_dir():
        return
    for child in root.iterdir():
        if child.resolve() not in keep:
            shutil.rmtree(child, ignore_errors=True)


def current_build(store: Path) -> Path | None:
    if store.is_symlink():
        target = store.resolve()
        return target if target.is_dir() else None
    return None


def exists(store: Path) -> bool:
    return current_build(store) is not None


def require(store: Path) -> Path:
    """The published build of `store`; StoreError when there is none."""
    build = current_build(store)
    if build is None:
        raise StoreError(f"no store at {store}: run `cgt-graph build` first")
    return build


def open_read_only(store: Path) -> Store:
    """Open the published build read-only (a consistent snapshot)."""
    build = require(store)
    return remember(Store.read_only(str(build)), build)


# Which build directory each opened Store came from, so that readers of a Store find the
# tables materialised beside it (sparql/tables.py). pyoxigraph's Store takes no weak
# references, so the registry keeps the last few stores alive: an id() is trusted only
# while its object is held here.
_KEEP = 3
_OPENED: "OrderedDict[int, tuple[Store, Path]]" = OrderedDict()


def remember(store: Store, build: Path) -> Store:
    """Record that `store` is (a copy of) the build at `build`; returns the store."""
    _OPENED[id(store)] = (store, build)
    _OPENED.move_to_end(id(store))
    while len(_OPENED) > _KEEP:
        _OPENED.popitem(last=False)
    return store


def forget(store: Store) -> None:
    _OPENED.pop(id(store), None)


def build_of(store: Store) -> Path | None:
    """The build directory `store` was opened from (None: not opened through this module)."""
    entry = _OPENED.get(id(store))
    return entry[1] if entry is not None and entry[0] is store else None


IN_MEMORY_MAX_QUADS = 250_000
"""Long-lived readers copy a graph up to this size into memory, and read larger ones on disk. The copy
is made at a worker's start and after every rebuild: at 100x (2.0M quads) the endpoint's two workers
answered their first query 83-86 s after the server started (2.0 s on disk), for ad hoc whole-graph
queries 2-3x faster (a GROUP BY 202 against 556 ms, `products` 988 against 1,974 ms; a product's facts
9 against 11 ms; docs/scale.md, session 3). From this size on the build also materialises its
whole tables (sparql/tables.MIN_QUADS), which the explorer and the exports read instead."""


def open_snapshot(store: Path, max_quads: int = IN_MEMORY_MAX_QUADS) -> Store:
    """The published build as an in-memory copy when it is small enough, else read-only on disk.

    Long-lived readers (the endpoint's workers, the explorer) use this: Oxigraph answers
    the library queries 3-5x faster from memory, and a copy is a snapshot by construction.
    """
    disk = open_read_only(store)
    if len(disk) > max_quads:
        return disk
    mem = Store()
    mem.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    build = build_of(disk)
    forget(disk)
    return remember(mem, build) if build is not None else mem


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def imports_dir(store_path: Path) -> Path:
    """Accepted partner graphs, beside the store (like `<store>.builds`): `publish/partner_import.py`
    writes them, every build loads them again."""
    return store_path.with_name(store_path.name + ".imports")


def stored_nquads(store_path: Path) -> bytes:
    """Every accepted partner graph as N-Quads: the build hook that keeps imports across rebuilds."""
    root = imports_dir(store_path)
    if not root.is_dir():
        return b""
    return b"".join(p.read_bytes() for p in sorted(root.glob("*/*.nq")))
