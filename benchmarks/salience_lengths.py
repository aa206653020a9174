"""How well the salience time estimates follow a text's length, on the demo model.

Run: ``LUMEN_CACHE_DIR=/tmp/lumen-cache python -m benchmarks.salience_lengths``

For every registered method (default settings), times texts of 8 to 128 tokens
(the fastest of 3 runs after a warm-up) and calibrates at 40 tokens, as the
app's estimates do once a method has run (``timing``). Prints measured time /
estimate at each length for the method's length model (``fixed_cost``,
``length_power``) and for a plain linear scaling (the baseline): 1.00 is a
perfect estimate.
"""

from __future__ import annotations

import time

from litcore.data.demo import load_demo
from litcore.models.classifier import SequenceClassifier
from litcore.salience import METHODS, build
from litcore.session.demo import demo_model_dir

LENGTHS = (8, 16, 32, 64, 128)
CALIBRATION = 40


def text_of_length(model: SequenceClassifier, words: list[str], tokens: int) -> str:
    """The shortest prefix of ``words`` that is at least ``tokens`` tokens long."""
    low, high = 1, len(words)
    while low < high:
        middle = (low + high) // 2
        if len(model.tokenize([" ".join(words[:middle])])[0][0]) >= tokens:
            high = middle
        else:
            low = middle + 1
    return " ".join(words[:low])


def fastest_seconds(method, model: SequenceClassifier, text: str) -> float:
    """Fastest of 3 runs after a warm-up run (per-shape set-up)."""
    method.explain(model, text)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        method.explain(model, text)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    model = SequenceClassifier.from_pretrained(str(demo_model_dir("movies")))
    _, held_out = load_demo("movies")
    words = " ".join(held_out.frame["text"].head(200)).split()
    texts = {n: text_of_length(model, words, n) for n in (CALIBRATION, *LENGTHS)}
    header = " ".join(f"{n:>11d}" for n in LENGTHS)
    print(
        f"measured / estimate; columns: tokens, each 'model (linear)'\n{'':26s}{header}"
    )
    for name in METHODS:
        method = build(name)
        seconds = {n: fastest_seconds(method, model, text) for n, text in texts.items()}
        scale = seconds[CALIBRATION] / method._nominal_seconds(CALIBRATION)
        cells = []
        for n in LENGTHS:
            estimate = method._nominal_seconds(n) * scale
            linear = seconds[CALIBRATION] * n / CALIBRATION
            cells.append(f"{seconds[n] / estimate:4.2f} ({seconds[n] / linear:4.2f})")
        print(f"{name:26s}" + " ".join(f"{cell:>11s}" for cell in cells))


if __name__ == "__main__":
    main()
