"""The first explorer, run in-process with Streamlit's AppTest on the fixture store."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _fresh_caches() -> None:
    import streamlit as st
    st.cache_data.clear()  # caches live for the process: each test starts from its own store
    st.cache_resource.clear()


@pytest.fixture
def app(fixture_store, monkeypatch):
    monkeypatch.setenv("CGT_GRAPH_STORE", str(fixture_store))
    _fresh_caches()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_search_and_see_sources(app):
    app.text_input[0].input("car-t").run()
    assert "2 of 3 products" in " ".join(m.value for m in app.markdown)
    app.selectbox[0].select("testcabtagene-autoleucel").run()
    frame = app.dataframe[1].value
    assert set(frame["jurisdiction"]) == {"US", "EU", "CN"}
    assert "https://example.org/eu/register" in set(frame["url"])
    assert set(frame["evidence"]) == {"official", "news"}


def test_network_tab_shows_follow_edges_and_lags(app):
    frames = [d.value for d in app.dataframe]
    follow = next(f for f in frames if list(f.columns)[:3] == ["from", "to", "products"])
    assert {(r["from"], r["to"]) for _, r in follow.iterrows()} == {("US", "EU"), ("US", "CN"), ("EU", "US")}
    lags = next(f for f in frames if "median" in f.columns)
    assert dict(zip(lags["jurisdiction"], lags["median"])) == {"EU": 443.0, "US": 731.0, "CN": 1054.0}


def test_labels_are_rendered_as_text_not_html(tmp_path, monkeypatch):
    """A product label with <script> or <img onerror=...> shows as text: Streamlit dataframes never render HTML."""
    import shutil

    from cgt_graph.build import build
    from tests.conftest import FIXTURE_DATA

    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    p = data / "products" / "demogene-parvovec.yaml"
    p.write_text(p.read_text().replace("brand_names: [Gammavec]", "brand_names: ['<img src=x onerror=alert(1)><script>alert(2)</script>']"))
    store = tmp_path / "store"
    build(store, data)
    monkeypatch.setenv("CGT_GRAPH_STORE", str(store))
    _fresh_caches()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    labels = set(at.dataframe[0].value["label"])
    assert "<img src=x onerror=alert(1)><script>alert(2)</script> (demogene parvovec)" in labels
    assert not any("<script>" in m.value for m in at.markdown)
