"""DESIGN.md's layering: no heavy imports in pages, no Streamlit in the core, no model
calls from pages; issue 15's thin pages and small UI modules; metrics through the
registry."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = {"torch", "transformers", "sklearn", "umap", "captum"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


UI_FILES = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]
CORE_FILES = [
    p
    for p in sorted((REPO / "litcore").rglob("*.py"))
    if "ui" not in p.relative_to(REPO).parts
]


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_pages_import_no_heavy_library(path):
    assert not imported_roots(path) & HEAVY


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_core_never_imports_streamlit(path):
    assert "streamlit" not in imported_roots(path)


# What runs a model, an explainer or a projector: pages go through litcore.ui.
MODEL_CALLS = {
    "predict",
    "explain",
    "explain_batch",
    "fill",
    "generate",
    "generate_batch",
    "surprisal",
    "forward",
    "salience",
    "fit",
    "fit_transform",
    "transform",
    "perturb",
    "from_pretrained",
    "tokenize",
    "encode",
    "special_positions",
}


def model_calls(path: Path) -> list[str]:
    """Calls of MODEL_CALLS methods in ``path``, except through a litcore.ui
    module (``task_models.surprisal(...)``) and a string's ``.encode("utf-8")``."""
    tree = ast.parse(path.read_text())
    ui_modules = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "litcore.ui"
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Name) and receiver.id in ui_modules:
            continue
        literal_args = all(isinstance(a, ast.Constant) for a in node.args)
        if node.func.attr == "encode" and node.args and literal_args:
            continue
        if node.func.attr in MODEL_CALLS:
            found.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
    return found


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_pages_never_call_a_model(path):
    assert model_calls(path) == []


def test_a_model_call_in_a_page_is_caught(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        "from litcore.ui import cached\n"
        'model.predict(["a"])\n'
        'st.download_button(t.encode("utf-8"))\n'
        "cached.explain(model)\n"
    )
    assert model_calls(page) == ["page.py:2 .predict()"]


def test_there_are_pages_and_core_modules():
    assert len(UI_FILES) >= 4 and len(CORE_FILES) >= 10


def test_the_session_package_imports_without_streamlit():
    """Every module of ``litcore.session``, imported in a fresh interpreter."""
    modules = sorted(
        f"litcore.session.{p.stem}"
        for p in (REPO / "litcore" / "session").glob("*.py")
        if p.stem != "__init__"
    )
    imports = "; ".join(f"import {m}" for m in ["litcore.session", *modules])
    check = "import sys; assert not [m for m in sys.modules if 'streamlit' in m]"
    subprocess.run([sys.executable, "-c", f"{imports}; {check}"], check=True, cwd=REPO)
    assert "litcore.session.workspace" in modules


def test_the_app_and_the_default_engine_never_import_ray():
    """Ray is optional (``lumen-nlp[ray]``): only ``predict --engine ray`` loads it."""
    modules = [
        "litcore.models.ray_engine",
        "litcore.cli",
        "litcore.session.workspace",
        "litcore.ui.sidebar.sources",
        "litcore.ui.workspace",
    ]
    imports = "; ".join(f"import {m}" for m in modules)
    check = "import sys; assert 'ray' not in sys.modules, 'ray was imported'"
    subprocess.run([sys.executable, "-c", f"{imports}; {check}"], check=True, cwd=REPO)


# Issue 15's thin-page rule: a page over this many lines holds logic to move out.
MAX_PAGE_LINES = 250
MAX_UI_MODULE_LINES = 400
UI_MODULES = sorted((REPO / "litcore" / "ui").rglob("*.py"))


def line_count(path: Path) -> int:
    return len(path.read_text().splitlines())


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_pages_stay_thin(path):
    assert line_count(path) <= MAX_PAGE_LINES, f"{path.name}: move logic out"


@pytest.mark.parametrize("path", UI_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_ui_modules_stay_small(path):
    assert line_count(path) <= MAX_UI_MODULE_LINES, f"{path.name}: split it by job"


def test_the_metrics_import_without_streamlit_torch_or_task_libraries():
    """The metrics registry is usable from a notebook or the CLI, and a page
    that shows no task metric does not pay for seqeval, sacrebleu, rouge-score
    (nltk) or torch."""
    heavy = ["streamlit", "torch", "seqeval", "sacrebleu", "rouge_score", "nltk"]
    check = (
        "import sys; import litcore.metrics.registry; "
        f"loaded = [m for m in {heavy!r} if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", check], check=True, cwd=REPO)


# Metric functions a registered metric wraps: pages call the metric instead.
WRAPPED_METRIC_FUNCTIONS = {
    "classification_report",
    "regression_metrics",
    "threshold_metrics",
    "multilabel_report",
    "entity_metrics",
    "corpus_bleu",
    "rouge_l",
}


def imported_names(path: Path) -> set[str]:
    """The names ``path`` imports from any module (``from m import a, b``)."""
    return {
        alias.name
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def wrapped_metric_imports(path: Path) -> list[str]:
    return sorted(imported_names(path) & WRAPPED_METRIC_FUNCTIONS)


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_pages_score_through_the_metric_registry(path):
    """Pages build a registered metric (``registry.build``) and call its
    ``compute``, never the functions it wraps."""
    assert wrapped_metric_imports(path) == []


def test_a_page_importing_a_wrapped_metric_function_is_caught(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        "from litcore.metrics.classification import (\n"
        "    ALL_CLASSES,\n    classification_report,\n)\n"
    )
    assert wrapped_metric_imports(page) == ["classification_report"]
