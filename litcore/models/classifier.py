"""A wrapper for any Hugging Face sequence classifier (local folder or hub id).

One batched, length-sorted forward pass returns probabilities, the pooled
embeddings (CLS and mean) and the tokens; views read these from the cache and
never call the model themselves.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from litcore.api import types
from litcore.api.errors import ModelError, WrongTaskError
from litcore.models import precision
from litcore.models.hf_loading import (
    config_fingerprint,
    load_config,
    load_pretrained,
    trained_max_length,
)
from litcore.models.outputs import (
    Predictions,
    ProgressFn,
    classifier_input_spec,
    classifier_output_spec,
)
from litcore.models.twins import cls_only_twin, shared_copy

transformers.logging.set_verbosity_error()
DEFAULT_MAX_LENGTH = 128


class SequenceClassifier:
    """A text (or text-pair) classifier with its tokenizer.

    Build with ``from_pretrained`` (the weights load on first use) or ``wrap``;
    the object is read-only afterwards and safe to share between sessions.
    """

    def __init__(
        self,
        config,
        tokenizer,
        source: str,
        max_length: int,
        load_model: Callable[[], torch.nn.Module],
        revision: str | None = None,
    ) -> None:
        """``load_model`` returns the Hugging Face module; it runs on first use.
        ``revision`` is the hub revision the files came from (None: the default)."""
        self.config = config
        self.tokenizer = tokenizer
        self.source = source
        self.revision = revision
        model_limit = getattr(config, "max_position_embeddings", max_length)
        tokenizer_limit = (
            getattr(tokenizer, "model_max_length", max_length) or max_length
        )
        self.max_length = int(min(max_length, model_limit, tokenizer_limit))
        id2label = config.id2label
        self.labels = tuple(str(id2label[i]) for i in range(config.num_labels))
        self.fingerprint = config_fingerprint(source, config, self.max_length, revision)
        self._load_model = load_model
        self._model = None
        self._model_lock = threading.Lock()
        self._bf16_model = None  # a bf16 copy for batch inference, made on first use
        self._fp32_batch_model = None  # an SDPA twin for fp32 batches, on first use
        self._salience_models = {}  # inference model -> its [CLS]-only twin
        self._copies_lock = threading.Lock()  # the bf16 copy and the twins

    @classmethod
    def wrap(cls, model, tokenizer, source: str, max_length: int):
        """A wrapper of a module already in memory (set to eval mode now)."""
        wrapper = cls(model.config, tokenizer, source, max_length, lambda: model)
        wrapper._model = _with_attention(model.eval(), "eager")
        return wrapper

    @property
    def model(self):
        """The Hugging Face module, fp32 in eval mode, loaded on first use.

        A warm launch shows stored predictions without it, so the first page
        does not wait for the weights (nor for transformers' modelling code).
        """
        if self._model is None:
            with self._model_lock, torch.inference_mode(False):
                # Ordinary tensors even when ``predict`` asks first, inside its
                # inference mode: salience differentiates through the weights.
                if self._model is None:
                    self._model = _with_attention(self._load_model().eval(), "eager")
        return self._model

    def release_weights(self) -> None:
        """Drops the loaded weights and every copy or twin made of them; the next
        use loads them again (from ``from_pretrained``'s folder).

        For a model no session is expected to run any more (the demo's quick
        probe once the fine-tuned model is shown): its 87 MB go back.
        """
        # The order every other path takes them in (a copy is made under
        # ``_copies_lock`` from ``self.model``, which takes ``_model_lock``).
        with self._copies_lock, self._model_lock:
            self._model = None
            self._bf16_model = None
            self._fp32_batch_model = None
            self._salience_models = {}

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path,
        max_length: int | None = None,
        trust_remote_code: bool = False,
        revision: str | None = None,
    ) -> SequenceClassifier:
        """Loads a fine-tuned classifier; a bare encoder is refused (train one first).

        Args:
            name_or_path: a local folder or a hub id.
            max_length: the longest input in tokens (the model's limit caps it);
                None: the length a Lumen-trained model was fine-tuned with (its
                ``lumen_training.json``), else ``DEFAULT_MAX_LENGTH``.
            trust_remote_code: passed to Hugging Face; off unless the user opts in.
            revision: a branch, tag or commit on the hub, for the config, the
                tokenizer and the weights (a local folder ignores it).

        Raises:
            ModelError: not found, not a sequence classifier, or a damaged
                ``lumen_training.json``.
        """
        source = str(name_or_path)
        config = load_config(source, trust_remote_code, revision)
        if max_length is None:
            max_length = trained_max_length(source) or DEFAULT_MAX_LENGTH
        architectures = getattr(config, "architectures", None) or []
        if not any(a.endswith("ForSequenceClassification") for a in architectures):
            kind = ", ".join(architectures) or config.model_type
            raise ModelError(
                f"'{source}' is a {kind}, not a sequence classifier. Use a fine-tuned "
                "classifier, or let Lumen fine-tune MiniLM on labelled data."
            )
        tokenizer = load_pretrained(AutoTokenizer, source, trust_remote_code, revision)
        if config.problem_type == "regression" or config.num_labels < 2:
            raise WrongTaskError(
                f"'{source}' has {config.num_labels} output: a regression model, "
                "not a classifier. Open it as a regression head instead.",
                task="regression",
            )

        def load_model():
            return load_pretrained(
                AutoModelForSequenceClassification, source, trust_remote_code, revision
            )

        return cls(config, tokenizer, source, max_length, load_model, revision)

    # --- specs ---------------------------------------------------------------

    def input_spec(self) -> types.Spec:
        return classifier_input_spec(self.labels)

    def output_spec(self) -> types.Spec:
        return classifier_output_spec(self.labels)

    # --- inference -----------------------------------------------------------

    def tokenize(
        self, texts: Sequence[str], texts_b: Sequence[str] | None = None
    ) -> tuple[list[list[int]], list[list[int]], np.ndarray]:
        """Token ids, token type ids and a truncated flag per example (no padding)."""
        args = (list(texts),) if texts_b is None else (list(texts), list(texts_b))
        encoded = self.tokenizer(
            *args,
            truncation=True,
            max_length=self.max_length,
            return_token_type_ids=True,
        )
        input_ids, type_ids = encoded["input_ids"], encoded["token_type_ids"]
        truncated = np.zeros(len(input_ids), dtype=bool)
        at_limit = [i for i, ids in enumerate(input_ids) if len(ids) >= self.max_length]
        if at_limit:
            pick = [texts[i] for i in at_limit]
            pick_b = None if texts_b is None else [texts_b[i] for i in at_limit]
            full = self.tokenizer(pick, pick_b, truncation=False, verbose=False)
            for i, ids in zip(at_limit, full["input_ids"]):
                truncated[i] = len(ids) > self.max_length
        return input_ids, type_ids, truncated

    def pad(
        self, input_ids: list[list[int]], type_ids: list[list[int]]
    ) -> dict[str, torch.Tensor]:
        """Right-pads a batch: ``input_ids``, ``token_type_ids``, ``attention_mask``."""
        lengths = np.fromiter(map(len, input_ids), np.int64, len(input_ids))
        mask = np.arange(lengths.max()) < lengths[:, None]  # <bool>[batch, width]
        batch = np.full(mask.shape, self.tokenizer.pad_token_id or 0, np.int64)
        batch[mask] = np.concatenate(input_ids)  # row-major: each row's ids in turn
        types_ = np.zeros_like(batch)
        types_[mask] = np.concatenate(type_ids)
        return {
            "input_ids": torch.from_numpy(batch),
            "token_type_ids": torch.from_numpy(types_),
            "attention_mask": torch.from_numpy(mask.astype(np.int64)),
        }

    def forward(self, batch: dict[str, torch.Tensor], model=None, **kwargs):
        """The HF model's forward, dropping token types the model does not take.

        Args:
            batch: ``pad`` output.
            model: the module to run; default ``self.model`` (fp32).
        """
        if getattr(self.config, "type_vocab_size", 2) < 2:
            batch = {k: v for k, v in batch.items() if k != "token_type_ids"}
        return (model or self.model)(**batch, **kwargs)

    def inference_model(self, bf16: bool):
        """A bf16 copy of the weights where the CPU has bf16 (1.3x autocast's speed).

        Made once, on first use, and never trained (no parameter takes a
        gradient; gradients with respect to its inputs still flow):
        ``self.model`` stays fp32 for exact salience.
        """
        if not (bf16 and precision.bf16_supported()):
            return self.model
        with self._copies_lock:
            if self._bf16_model is None:
                with torch.inference_mode(False):  # as in ``model``
                    copied = copy.deepcopy(self.model).to(torch.bfloat16).eval()
                copied = _with_attention(copied, precision.bf16_attention())
                self._bf16_model = copied.requires_grad_(False)
        return self._bf16_model

    def salience_model(self, bf16: bool):
        """What salience runs (differentiates and scores): ``inference_model(bf16)``
        with a last layer that computes the [CLS] row only where the architecture
        allows (``twins.cls_only_twin``): the same logits for less work."""
        network = self.inference_model(bf16)
        with self._copies_lock, torch.inference_mode(False):  # as in ``model``
            if network not in self._salience_models:
                self._salience_models[network] = cls_only_twin(network)
        return self._salience_models[network]

    def batch_model(self, bf16: bool):
        """What ``predict`` runs: the bf16 copy where the CPU has bf16, else a
        twin of the fp32 model (weights shared) with PyTorch's fused attention
        (SDPA), 1.3x eager attention's speed in fp32 inference. Salience keeps
        eager attention (``_with_attention``)."""
        if bf16 and precision.bf16_supported():
            return self.inference_model(bf16)
        with self._copies_lock:
            if self._fp32_batch_model is None:
                with torch.inference_mode(False):  # as in ``model``
                    twin = _with_attention(shared_copy(self.model), "sdpa")
                self._fp32_batch_model = twin
        return self._fp32_batch_model

    def _head_outputs(self, logits: torch.Tensor) -> np.ndarray:
        """``<float32>[batch, num_labels]``: what ``predict`` keeps (probabilities)."""
        return torch.softmax(logits.float(), dim=-1).numpy()

    @torch.inference_mode()
    def predict(
        self,
        texts: Sequence[str],
        texts_b: Sequence[str] | None = None,
        batch_tokens: int = 2048,
        progress: ProgressFn | None = None,
        bf16: bool = True,
    ) -> Predictions:
        """Runs the model on every example in length-sorted batches.

        Args:
            texts: first segments.
            texts_b: second segments for sentence pairs, or None.
            batch_tokens: padded tokens per forward pass (short texts share big
                batches, long ones small).
            progress: called with (done, total) after each batch.
            bf16: use bf16 weights where the CPU supports them.
        """
        if len(texts) == 0:
            raise ModelError("Nothing to predict: the list of texts is empty.")
        input_ids, type_ids, truncated = self.tokenize(texts, texts_b)
        lengths = [len(ids) for ids in input_ids]
        order = np.argsort(lengths, kind="stable")
        hidden = self.config.hidden_size
        probas = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        cls_embedding = np.zeros((len(texts), hidden), dtype=np.float32)
        mean_embedding = np.zeros((len(texts), hidden), dtype=np.float32)
        model = self.batch_model(bf16)
        device = next(model.parameters()).device  # a GPU where a Ray worker has one
        done = 0
        for rows in token_budget_batches(lengths, order, batch_tokens):
            batch = self.pad([input_ids[i] for i in rows], [type_ids[i] for i in rows])
            batch = {name: values.to(device) for name, values in batch.items()}
            output = self.forward(batch, model, output_hidden_states=True)
            # <float32>[batch, tokens, hidden]
            last = output.hidden_states[-1].float().cpu()
            mask = batch["attention_mask"].unsqueeze(-1).float().cpu()
            probas[rows] = self._head_outputs(output.logits.cpu())
            cls_embedding[rows] = last[:, 0].numpy()
            mean_embedding[rows] = ((last * mask).sum(1) / mask.sum(1)).numpy()
            done += len(rows)
            if progress:
                progress(done, len(order))
        tokens = [self.tokenizer.convert_ids_to_tokens(ids) for ids in input_ids]
        return Predictions(probas, cls_embedding, mean_embedding, tokens, truncated)


def _with_attention(model, implementation: str):
    """``model`` switched to ``implementation`` of attention, where it can switch.

    The fp32 model runs plain "eager" attention: salience differentiates it,
    and backward through PyTorch's CPU flash attention is slow (eager attention
    made integrated gradients 1.5x faster, ``benchmarks/salience.py``), with
    forward passes no slower. The bf16 copy runs eager attention with an fp32
    softmax (``precision.bf16_attention``).
    """
    try:
        model.set_attn_implementation(implementation)
    except (AttributeError, ValueError, NotImplementedError):
        pass  # an architecture (or remote code) without the switch keeps its own
    return model


def token_budget_batches(
    lengths: Sequence[int], order: np.ndarray, batch_tokens: int
) -> list[np.ndarray]:
    """Cuts ``order`` (by length) into batches of at most ``batch_tokens`` tokens.

    Every batch holds at least one example, so a text longer than the budget
    still gets a batch of its own.
    """
    batches, current, width = [], [], 0
    for row in order:
        width_if_added = max(width, lengths[row])
        if current and width_if_added * (len(current) + 1) > batch_tokens:
            batches.append(np.array(current))
            current, width_if_added = [], lengths[row]
        current.append(row)
        width = width_if_added
    if current:
        batches.append(np.array(current))
    return batches
