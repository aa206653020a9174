"""What loads torch and transformers only when a command or a model needs them."""

import json
from pathlib import Path

import pytest
from python_child import last_line

APP = Path(__file__).resolve().parents[1] / "app.py"

HEAVY = ("torch", "transformers", "sklearn", "umap")
REPORT = "import json, sys\nprint(json.dumps({m: m in sys.modules for m in HEAVY}))"


def modules_loaded_by(code: str) -> dict[str, bool]:
    """Which of ``HEAVY`` a new interpreter has imported after running ``code``."""
    probe = f"{code}\nHEAVY = {HEAVY!r}\n{REPORT}"
    return json.loads(last_line(probe))


@pytest.mark.parametrize(
    "code",
    [
        "import litcore.cli",
        "from litcore.cli import build_parser; build_parser()",
        "import litcore.models.training_rules",
    ],
)
def test_the_cli_starts_without_torch(code):
    assert modules_loaded_by(code) == dict.fromkeys(HEAVY, False)


def test_help_lists_the_commands_without_loading_torch():
    code = (
        "import contextlib, io\nfrom litcore.cli import main\n"
        "with contextlib.suppress(SystemExit):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(['--help'])"
    )
    assert modules_loaded_by(code) == dict.fromkeys(HEAVY, False)


def test_the_training_defaults_are_the_rules():
    from litcore.models import training, training_rules

    assert training.TrainConfig().learning_rate == training_rules.DEFAULT_LEARNING_RATE
    assert training.MIN_STEPS == training_rules.MIN_STEPS == 100


# In a fresh interpreter: the app, then the Embeddings page with UMAP; whether
# the page drew its map, and which of UMAP's and scikit-learn's modules loaded.
EMBEDDINGS_WITH_UMAP = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=900).run()
at.switch_page("pages/projection.py").run()
at.radio(key="proj_method").set_value("UMAP").run()
heavy = ("umap", "numba", "llvmlite", "pynndescent", "sklearn")
print(json.dumps({
    "exception": [str(e.value) for e in at.exception],
    "charts": len(at.get("plotly_chart")),
    "loaded": [module for module in heavy if module in sys.modules],
}))
"""


def test_the_server_shows_umap_without_loading_umap_or_scikit_learn(demo_prepared):
    """A stored UMAP is read as it is; a missing one is fitted in a child process."""
    result = json.loads(last_line(EMBEDDINGS_WITH_UMAP, str(APP)))
    assert result == {"exception": [], "charts": 1, "loaded": []}
