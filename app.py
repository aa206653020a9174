"""Lumen: an interactive interpretability dashboard for NLP models."""

import streamlit as st

st.set_page_config(
    page_title="Lumen", page_icon=":material/flashlight_on:", layout="wide"
)

PAGES = {
    "Model": [
        st.Page(
            "pages/overview.py", title="Overview", icon=":material/home:", default=True
        ),
        st.Page("pages/metrics.py", title="Metrics", icon=":material/grid_on:"),
        st.Page("pages/scalars.py", title="Scalars", icon=":material/scatter_plot:"),
    ],
    "Data": [
        st.Page("pages/table.py", title="Data table", icon=":material/table_rows:"),
        st.Page(
            "pages/projection.py", title="Embeddings", icon=":material/bubble_chart:"
        ),
    ],
    "Explain": [
        st.Page("pages/explain.py", title="Explanations", icon=":material/highlight:")
    ],
    "What if": [
        st.Page(
            "pages/editor.py", title="Datapoint editor", icon=":material/edit_note:"
        ),
        st.Page(
            "pages/counterfactuals.py",
            title="Counterfactuals",
            icon=":material/shuffle:",
        ),
    ],
    "Tasks": [
        st.Page("pages/generation.py", title="Generation", icon=":material/edit:"),
        st.Page("pages/masked_lm.py", title="Fill in the blank", icon=":material/abc:"),
        st.Page("pages/ner.py", title="NER", icon=":material/label:"),
        st.Page("pages/multilabel.py", title="Multi-label", icon=":material/sell:"),
        st.Page("pages/regression.py", title="Regression", icon=":material/timeline:"),
    ],
}

# Navigation first: until it runs, Streamlit shows a file-name menu of pages/.
navigation = st.navigation(PAGES, expanded=True)

# torch and transformers load later, with the first page that needs a model.
from litcore.session.collector import freeze_after_new  # noqa: E402
from litcore.session.heap import (  # noqa: E402
    map_large_blocks,
    release_freed_memory,
    threshold_for_rows,
)
from litcore.ui import first_rows, links, workspace  # noqa: E402
from litcore.ui.sidebar import render_sidebar  # noqa: E402
from litcore.ui.sidebar.sources import open_first_choice  # noqa: E402
from litcore.ui.state import init_state  # noqa: E402

map_large_blocks()  # big temporary buffers go back to the OS when freed
init_state()
progress_area = st.container()
links.restore_from_url(navigation, progress_area)
# The server's --data/--model flags or LUMEN_* variables, else the demo.
open_first_choice(progress_area)
# The demo opens with a quick probe while it fine-tunes in the background.
workspace.swap_in_fine_tuned(progress_area)
workspace.improvement_status()
# A given model on many new rows opens on the first ones while it predicts all.
first_rows.rest_status()
render_sidebar(progress_area)
first_rows.swap_in_all_rows(progress_area)  # after the sidebar: its filters carry
links.write_url(navigation)
shown = workspace.current()  # big data's per-row temporaries stay on the heap
rows = len(shown.frame) if shown else 0
map_large_blocks(threshold_for_rows(rows))
freeze_after_new(shown, rows)  # the collector skips a big workspace's objects
try:
    navigation.run()
finally:  # after the page (even one that stops): load what later pages need
    workspace.load_weights_in_background()
    release_freed_memory()  # what the page's work freed goes back to the OS
