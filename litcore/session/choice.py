"""What a session opens: the data, its column mapping and the model(s)."""

from __future__ import annotations

from dataclasses import dataclass, field

from litcore.data.dataset import ColumnMapping

DEMO_MODEL = "demo"  # model_source meaning "MiniLM fine-tuned on this data"
# compare_source meaning "the same fine-tune with another seed" (a second model).
DEMO_OTHER_SEED = "demo-seed-1"
# regression_source meaning "MiniLM fine-tuned to regress the gold column".
TRAINED_HEAD = "minilm-regression-head"


@dataclass(frozen=True)
class SourceChoice:
    """What to open: data, column mapping and model(s).

    The data is a built-in dataset (``demo_key``), a file's bytes
    (``file_bytes``, read as ``file_format``), or ``data_source``: a file's
    path, a ``save_to_disk`` folder or ``hf:NAME[:SPLIT][@REVISION]``, read once
    per process (``litcore.data.loading.read_source``). A file or a source is
    mapped by ``mapping``; ``file_name`` names it. ``model_source`` is
    ``DEMO_MODEL`` (MiniLM fine-tuned on the training part of the data), a
    folder, or a hub id, at ``revision`` (a branch, tag or commit on the hub;
    None: the default). ``compare_source``, a second model to
    compare with it, is None, ``DEMO_OTHER_SEED``, a folder or a hub id.
    ``regression_source``, a regression head scored against the numeric column
    ``regression_gold``, is None, ``TRAINED_HEAD``, a folder or a hub id.
    ``run_source`` is a run folder (``litcore.store.run``): its rows and
    predictions are the data, ``model_source`` the model its manifest names.
    """

    demo_key: str | None = "movies"
    file_name: str | None = None
    file_bytes: bytes | None = field(default=None, repr=False)
    data_source: str | None = None
    file_format: str = "csv"
    delimiter: str | None = None
    encoding: str = "utf-8"
    mapping: ColumnMapping | None = None
    model_source: str = DEMO_MODEL
    revision: str | None = None
    trust_remote_code: bool = False
    label_map: tuple[tuple[str, str], ...] = ()
    compare_source: str | None = None
    compare_trust_remote_code: bool = False
    regression_source: str | None = None
    regression_gold: str | None = None
    regression_trust_remote_code: bool = False
    run_source: str | None = None

    @property
    def is_demo(self) -> bool:
        return self.demo_key is not None

    @property
    def can_train_second_model(self) -> bool:
        """Whether there is a training split to fine-tune ``DEMO_OTHER_SEED`` (or
        ``TRAINED_HEAD``) on."""
        return self.is_demo or self.model_source == DEMO_MODEL


def model_title(source: str) -> str:
    """How the UI and reports name a model source."""
    titles = {
        DEMO_MODEL: "MiniLM fine-tuned on this data",
        DEMO_OTHER_SEED: "MiniLM fine-tuned with seed 1",
    }
    return titles.get(source, source)
