"""Lumen: an interactive interpretability dashboard for NLP models."""

import streamlit as st

st.set_page_config(page_title="Lumen", page_icon="🔦", layout="wide")

PAGES = {
    "Model": [
        st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
        st.Page("pages/metrics.py", title="Metrics", icon="📊"),
        st.Page("pages/scalars.py", title="Scalars", icon="📈"),
    ],
    "Data": [
        st.Page("pages/table.py", title="Data table", icon="📋"),
        st.Page("pages/projection.py", title="Embeddings", icon="🗺️"),
    ],
    "Explain": [st.Page("pages/explain.py", title="Explanations", icon="🔍")],
    "What if": [
        st.Page("pages/editor.py", title="Datapoint editor", icon="✏️"),
        st.Page("pages/counterfactuals.py", title="Counterfactuals", icon="🔀"),
    ],
}

# Navigation first: until it runs, Streamlit shows a file-name menu of pages/.
navigation = st.navigation(PAGES)

# The core imports torch and transformers: a few seconds on a cold start.
from litcore.ui import links  # noqa: E402
from litcore.ui.sidebar import render_sidebar  # noqa: E402
from litcore.ui.state import init_state  # noqa: E402

init_state()
progress_area = st.container()
links.restore_from_url(navigation, progress_area)
render_sidebar(progress_area)
links.write_url(navigation)
navigation.run()
