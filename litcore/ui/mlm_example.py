"""The Fill in the blank page's built-in model: MiniLM with an MLM head trained
on the movie snippets, prepared on request once per cache, then loaded."""

from __future__ import annotations

import streamlit as st

from litcore.api.errors import LumenError
from litcore.models import mlm_head
from litcore.models.masked_lm import MaskedLM
from litcore.session import policy
from litcore.ui import task_models

BUILT_IN = "Built-in: MiniLM + MLM head trained on movie snippets"
EXAMPLES = (
    "the movie was [MASK] .",
    "a [MASK] and moving film about friendship .",
    "the plot is predictable and the acting is [MASK] .",
    "one of the best [MASK] of the year .",
    "it 's a [MASK] comedy that never quite takes off .",
)


def offered() -> bool:
    """Whether to offer the built-in model: not in public mode, where a visitor
    picks only among the server's listed models and never starts a training."""
    return not policy.active().public


def built_in_masked_lm(prepare_key: str) -> tuple[MaskedLM, dict]:
    """The built-in masked LM and its training record (recipe, measured quality).

    While it is not on disk, a button trains it (about a minute on 2 cores) and
    the page stops until then.
    """
    try:
        folder = mlm_head.demo_mlm_head_ready()
        if folder is None:
            st.info(
                "The built-in example trains a masked-LM head over the packaged "
                "MiniLM encoder on the movie snippets, offline, once per cache "
                "(`python -m litcore prepare-demo --tasks` does it ahead)."
            )
            if not st.button("Prepare the built-in model", key=prepare_key):
                st.stop()
            bar = st.progress(0.0, text="Preparing…")
            folder = mlm_head.demo_mlm_head(
                lambda done, message: bar.progress(min(done, 1.0), text=message)
            )
            bar.empty()
        model = task_models.masked_lm(str(folder))
    except LumenError as error:
        st.error(str(error))
        st.stop()
    return model, mlm_head.read_mlm_info(folder) or {}


def quality_line(info: dict) -> str:
    """The built-in model's measured quality, against the unigram baseline."""
    return (
        f"{BUILT_IN} (top-5 accuracy {info['top5_accuracy']:.0%}, top-1 "
        f"{info['top1_accuracy']:.0%} on {info['n_held_out_tokens']:,} masked tokens "
        f"of held-out snippets; always guessing the most frequent tokens: "
        f"{info['unigram_top5_accuracy']:.0%} / {info['unigram_top1_accuracy']:.0%})."
        " A demonstration of the page, far below a pre-trained BERT."
    )
