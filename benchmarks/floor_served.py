"""benchmarks/floor_app.py served as explore.py serves app.py (explorer/serve.py): what the floor
becomes with the explorer's own serving."""

from pathlib import Path

import streamlit as st

from cgt_graph.explorer import serve

app = st.App(str(Path(__file__).with_name("floor_app.py")), middleware=serve.middleware())
