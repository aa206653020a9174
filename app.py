"""Lumen: an interactive interpretability dashboard for NLP models."""

import streamlit as st

from litcore.ui.sidebar import render_sidebar
from litcore.ui.state import init_state

st.set_page_config(page_title="Lumen", page_icon="🔦", layout="wide")
init_state()

PAGES = {
    "Model": [
        st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
        st.Page("pages/metrics.py", title="Metrics", icon="📊"),
    ],
    "Data": [
        st.Page("pages/table.py", title="Data table", icon="📋"),
    ],
    "Explain": [st.Page("pages/explain.py", title="Explanations", icon="🔍")],
    "What if": [
        st.Page("pages/editor.py", title="Datapoint editor", icon="✏️"),
        st.Page("pages/counterfactuals.py", title="Counterfactuals", icon="🔀"),
    ],
}

navigation = st.navigation(PAGES)
progress_area = st.container()
render_sidebar(progress_area)
navigation.run()
