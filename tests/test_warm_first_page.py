"""A warm launch draws the Overview from what is stored, without torch."""

import json
from pathlib import Path

from python_child import last_line

from litcore.models.deferred import open_classifier

APP = Path(__file__).resolve().parents[1] / "app.py"
HEAVY = ("torch", "transformers", "sklearn", "umap", "scipy", "altair")

# A new interpreter (a new server) runs the app's first page once: what it
# showed, and which heavy libraries it had imported when the page was drawn.
FIRST_PAGE = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=300).run()
print(json.dumps({
    "exception": [str(e.value) for e in at.exception],
    "text": " ".join(str(m.value) for m in at.markdown),
    "success": " ".join(str(s.value) for s in at.success),
    "loaded": [m for m in json.loads(sys.argv[2]) if m in sys.modules],
}))
"""


def first_page() -> dict:
    return json.loads(last_line(FIRST_PAGE, str(APP), json.dumps(HEAVY)))


def test_a_warm_overview_imports_no_torch(demo_prepared):
    model = open_classifier(demo_prepared["model_dir"])  # opened once before
    page = first_page()
    assert page["exception"] == []
    assert "Shown: the fine-tuned model" in page["success"]
    assert model.fingerprint in page["text"]  # its stored predictions' key
    assert page["loaded"] == []
