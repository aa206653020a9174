"""What loads torch and transformers only when a command or a model needs them."""

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "sklearn", "umap")
REPORT = "import json, sys\nprint(json.dumps({m: m in sys.modules for m in HEAVY}))"


def modules_loaded_by(code: str) -> dict[str, bool]:
    """Which of ``HEAVY`` a new interpreter has imported after running ``code``."""
    probe = f"{code}\nHEAVY = {HEAVY!r}\n{REPORT}"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


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
