"""The explorer's server: `streamlit run explore.py` serves the pages of app.py, having read what the
Search page and a product page need before it answers its first request (pages/common.py `warm_up`):
the server's start pays for it (2-3 s at 100x), not the first person to open the explorer. Streamlit's
own frontend files are answered from memory (explorer/serve.py: the first paint waited on them).

`streamlit run app.py` still works; it reads the same on the first visit instead.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

from cgt_graph.explorer import serve


@asynccontextmanager
async def lifespan(_app):
    from cgt_graph.explorer.pages import common

    await asyncio.to_thread(common.warm_up)
    yield


app = st.App(str(Path(__file__).with_name("app.py")), lifespan=lifespan, middleware=serve.middleware())
