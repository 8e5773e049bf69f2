"""What changed: additions and corrections between two releases (`cgt-graph diff`), read from
the releases folder ($CGT_GRAPH_RELEASES, default $CGT_GRAPH_HOME/releases: the folders that
`cgt-graph release --out` writes)."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from cgt_graph import paths
from cgt_graph.explorer.pages import common
from cgt_graph.publish import diff as diffmod

TITLES = {"added": "added", "removed": "removed", "changed": "changed", "renamed": "renamed (brand names)",
          "corrected": "corrected"}


def releases_dir() -> Path:
    return Path(os.environ.get("CGT_GRAPH_RELEASES") or paths.home_dir() / "releases")


def releases(folder: Path) -> list[str]:
    """Release folders, oldest first (by the name `cgt-graph release --version` gave them, which
    defaults to the date)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and (p / "tables").is_dir() and (p / "cgt-graph.nq").is_file())


@st.cache_data(show_spinner=False)
def changes(old: str, new: str, folder: str) -> tuple[list[dict[str, str]], dict[str, int]]:
    found, stats = diffmod.diff(Path(folder) / old, Path(folder) / new)
    return [{"change": c.change, "record": c.id, "field": c.field, "before": c.old, "after": c.new}
            for c in found], stats


def readable(change: str) -> str:
    """'decision-date-corrected' -> 'Decision date corrected'."""
    return change.replace("-", " ").capitalize()


def render() -> None:
    folder = releases_dir()
    found = releases(folder)
    if len(found) < 2:
        common.say(f"This page compares two releases. {len(found)} release(s) found in {folder}.")
        st.markdown("Make one with `cgt-graph release --out FOLDER` after each data update (or point "
                    "`CGT_GRAPH_RELEASES` at a folder of releases); the page then lists what was added, removed "
                    "and corrected between any two of them, as `cgt-graph diff OLD NEW` does.")
        return
    left, right = st.columns(2)
    with left:
        old = st.selectbox("From release", found, index=len(found) - 2, key="changes_old")
    with right:
        new = st.selectbox("To release", found, index=len(found) - 1, key="changes_new")
    try:
        rows, stats = changes(old, new, str(folder))
    except diffmod.DiffError as e:
        st.error(common.md(str(e)))
        return
    st.markdown(f"**{len(rows)} changes** from {common.md(old)} to {common.md(new)}; triples "
                f"{stats['quads_old']:,} → {stats['quads_new']:,} (+{stats['quads_added']:,} "
                f"−{stats['quads_removed']:,}).")
    if not rows:
        st.info("Nothing changed between these two releases.")
        return
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["change"]] = kinds.get(r["change"], 0) + 1
    st.caption(" · ".join(f"{readable(k)}: {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])))
    chosen = st.multiselect("Kinds of change", sorted(kinds), format_func=readable, key="changes_kinds",
                            placeholder="all")
    shown = [dict(r, change=readable(r["change"])) for r in rows if not chosen or r["change"] in chosen]
    st.dataframe(common.frame(shown, ["change", "record", "field", "before", "after"]), hide_index=True,
                 width="stretch", key="changes", height=min(36 + 35 * len(shown), 640),
                 column_config={"change": st.column_config.TextColumn("Change", pinned=True),
                                "record": st.column_config.TextColumn("Record"),
                                "before": st.column_config.TextColumn("Before", width="large"),
                                "after": st.column_config.TextColumn("After", width="large")})
    st.download_button("Download these changes (CSV)", diffmod.as_csv(
        [diffmod.Change(r["change"], r["record"], r["field"], r["before"], r["after"]) for r in rows]),
        file_name=f"cgt-graph-changes-{old}-{new}.csv", mime="text/csv", key="download_changes")
