"""The floor for the explorer's first paint (benchmarks/firstpaint.py): an empty Streamlit page that
shows only what the measurement waits for, the count line and a one-row grid."""

import pandas as pd
import streamlit as st

st.markdown("**1 authorisations of 1 products**")
st.dataframe(pd.DataFrame({"product": ["x"]}), hide_index=True)
