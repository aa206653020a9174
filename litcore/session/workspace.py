"""A session's workspace: its data, model(s) and analysis frame, built from a
``SourceChoice`` with injectable loaders and progress (no Streamlit).

``build_workspace(SourceChoice(demo_key="movies"))`` opens the demo in plain
Python; the UI passes loaders wrapped in Streamlit's caches and progress bars.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from litcore.api.errors import LumenError, ModelError
from litcore.data.dataset import Dataset, held_out_split, relabel
from litcore.data.limits import upload_limits
from litcore.metrics.agreement import ComparisonError, check_same_labels, with_model_b
from litcore.models.training_config import (
    TrainConfig,
    base_model_dir,
    read_training_info,
    trained_model_dir,
)
from litcore.session import demo, first_rows
from litcore.session.choice import (
    DEMO_MODEL,
    DEMO_OTHER_SEED,
    TRAINED_HEAD,
    SourceChoice,
)
from litcore.session.columns import LABEL, ORIGIN, PARENT_ID
from litcore.session.demo import DEMO_CONFIG
from litcore.session.heads import (
    CLASSIFICATION,
    LABEL_HEAD,
    REGRESSION,
    Head,
    with_regression_head,
)
from litcore.session.loaders import Loaders, plain_loaders
from litcore.session.overlay import ORIGINAL, Overlay
from litcore.session.policy import Policy, active
from litcore.session.progress import SILENT, SessionProgress
from litcore.session.runs import cached_run, run_frame, run_model, run_training_info
from litcore.session.training_queue import (
    NO_LIMITS,
    TRAINING_QUEUE,
    TrainingLimits,
    budgeted,
)

if TYPE_CHECKING:  # a warm workspace opens without torch (stored predictions)
    from litcore.models.classifier import SequenceClassifier
    from litcore.models.regressor import Regressor

# The built-in model sources and how each is fine-tuned.
TRAIN_CONFIGS = {DEMO_MODEL: DEMO_CONFIG, DEMO_OTHER_SEED: replace(DEMO_CONFIG, seed=1)}


class HeadError(LumenError):
    """The regression head cannot be loaded, trained or scored."""


@dataclass
class Workspace:
    """Everything a page needs: the data, the model(s) and the analysis frame.

    With a second model (``model_b``), ``frame`` also has its columns and
    ``agree`` (``litcore.metrics.agreement.with_model_b``). With a regression
    head (``regressor``, against the numeric column ``regression_gold``), it
    has the head's columns (``litcore.session.heads.with_regression_head``).
    """

    choice: SourceChoice
    data: Dataset
    model: SequenceClassifier
    frame: pd.DataFrame
    train_size: int | None = None
    training_info: dict | None = None
    model_b: SequenceClassifier | None = None
    regressor: Regressor | None = None
    regression_gold: str | None = None
    # Set while ``data`` is only the first rows of the data chosen, the rest
    # being predicted in the background (``litcore.session.first_rows``): how
    # many rows that data has, and the job's name.
    all_rows: int | None = None
    rest_job: str | None = None

    @property
    def heads(self) -> tuple[Head, ...]:
        """The classifier's head, then the regression head if there is one."""
        heads = (Head(LABEL_HEAD, CLASSIFICATION),)
        if self.regressor is not None and self.regression_gold:
            heads += (Head(self.regression_gold, REGRESSION),)
        return heads

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels

    @cached_property
    def unknown_labels(self) -> list[str]:
        """Gold labels in the data that the model does not have (read once: the
        sidebar asks on every rerun)."""
        if not self.data.has_labels:
            return []
        return sorted(set(self.data.frame[LABEL].unique()) - set(self.model.labels))


def _data_for(
    choice: SourceChoice, loaders: Loaders, policy: Policy
) -> tuple[Dataset, Dataset | None]:
    """(data to analyse, data to train on or None), as ``policy`` allows."""
    if choice.is_demo:
        train, held_out = loaders.demo_datasets(choice.demo_key)
        return held_out, train
    if choice.mapping is None or (
        choice.file_bytes is None and choice.data_source is None
    ):
        raise LumenError(
            "No data to analyse: choose a built-in dataset, or a file and which "
            "of its columns is the text (and, optionally, the label)."
        )
    if choice.data_source is not None:
        policy.check_data_source(choice.data_source)
        data = loaders.dataset_from_source(
            choice.data_source, choice.mapping, choice.delimiter, choice.encoding
        )
    else:
        upload_limits(policy).check_size(len(choice.file_bytes))
        data = loaders.dataset_from_bytes(
            choice.file_bytes,
            choice.file_format,
            choice.mapping,
            choice.file_name or "data",
            choice.delimiter,
            choice.encoding,
        )
    if choice.model_source == DEMO_MODEL and data.has_labels:
        return held_out_split(data)
    return data, None


def _fine_tuned(
    train: Dataset,
    config: TrainConfig,
    status: str,
    loaders: Loaders,
    progress: SessionProgress,
    limits: TrainingLimits,
    target: str | None = None,
) -> str:
    """The folder of MiniLM fine-tuned on ``train`` (``target``: a regression
    head on that column); a model trained before is found on disk at once.

    Under ``limits``, the job waits its turn in the server's queue and stops
    when its CPU budget is spent.

    Raises:
        TrainingBudgetError: the budget ran out; nothing is saved.
    """
    base = str(base_model_dir())
    trained = trained_model_dir(base, train, config, target)
    if read_training_info(trained) is not None:
        return str(trained)
    with ExitStack() as stack:
        if limits.queued:
            report_wait = stack.enter_context(progress.queued())
            stack.enter_context(TRAINING_QUEUE.turn(report_wait))
        report = stack.enter_context(progress.training(status))
        if limits.budget_s is not None:
            report = budgeted(report, limits.budget_s)
        return loaders.trained_model(base, train, config, report, target)


def _model_dir(
    source: str,
    train: Dataset | None,
    loaders: Loaders,
    progress: SessionProgress,
    on_demo: bool,
    limits: TrainingLimits = NO_LIMITS,
) -> str:
    """The folder of ``source``; fine-tunes MiniLM first for the built-in sources.

    The demo's recipes (``TRAIN_CONFIGS``) train on the demo data; on a user's
    data, ``DEMO_MODEL`` follows ``adapted_config``, as the CLI and
    ``fine_tune`` do.
    """
    if source not in TRAIN_CONFIGS:
        return source
    if train is None or not train.has_labels:
        raise ModelError("Training a model needs labelled data: map a label column.")
    config = TRAIN_CONFIGS[source]
    if source == DEMO_MODEL and not on_demo:
        from litcore.models.training import adapted_config  # reads the tokenizer

        config = adapted_config(train, base_model_dir())
    status = f"Fine-tuning MiniLM on this data (seed {config.seed})…"
    return _fine_tuned(train, config, status, loaders, progress, limits)


def _model_b(
    choice: SourceChoice,
    model: SequenceClassifier,
    train: Dataset | None,
    loaders: Loaders,
    progress: SessionProgress,
    policy: Policy,
) -> SequenceClassifier:
    """The second model, checked against the first.

    Raises:
        ComparisonError: it cannot be loaded, trained, has other classes, or
            ``policy`` refuses it.
    """
    source, trust = choice.compare_source, choice.compare_trust_remote_code
    limits = _training_limits(choice, policy)
    try:
        policy.check_model(source, trust)
        model_b_dir = _model_dir(
            source, train, loaders, progress, choice.is_demo, limits
        )
        model_b = loaders.load_model(model_b_dir, trust, None)
    except LumenError as error:
        raise ComparisonError(f"Model B: {error}") from error
    check_same_labels(model.labels, model_b.labels)
    return model_b


def _regressor(
    choice: SourceChoice,
    data: Dataset,
    train: Dataset | None,
    loaders: Loaders,
    progress: SessionProgress,
    policy: Policy,
) -> Regressor:
    """The regression head (``TRAINED_HEAD`` trains on ``train`` first).

    Raises:
        LumenError: it cannot be loaded or trained, its gold column is wrong,
            or ``policy`` refuses it.
    """
    source = choice.regression_source
    policy.check_model(source, choice.regression_trust_remote_code)
    gold = choice.regression_gold
    if gold not in data.metadata_columns:
        raise LumenError(
            f"The regression head needs a numeric gold column; '{gold}' is not one "
            f"of the data's metadata columns ({', '.join(data.metadata_columns)})."
        )
    if source == TRAINED_HEAD:
        if train is None:
            raise ModelError(
                "Training a regression head needs a training split, which is set "
                "aside only when the classifier is MiniLM fine-tuned on this data: "
                "use that classifier, or give a trained regression model."
            )
        status = f"Fine-tuning MiniLM to predict '{gold}'…"
        limits = _training_limits(choice, policy)
        source = _fine_tuned(
            train, DEMO_CONFIG, status, loaders, progress, limits, gold
        )
    return loaders.load_regressor(source, choice.regression_trust_remote_code)


def _predicted(
    model: SequenceClassifier,
    data: Dataset,
    loaders: Loaders,
    progress: SessionProgress,
    what: str,
) -> pd.DataFrame:
    """The analysis frame of ``model`` on ``data`` (predicting what is missing)."""
    with progress.counting(what) as report:
        return loaders.analysis(model, data, report)


def _with_model_b(
    frame: pd.DataFrame,
    model_b: SequenceClassifier,
    labels: tuple[str, ...],
    data: Dataset,
    loaders: Loaders,
    progress: SessionProgress,
) -> pd.DataFrame:
    """``frame`` (model A's, of classes ``labels``, over ``data``) plus model B's
    columns and ``agree``."""
    frame_b = _predicted(model_b, data, loaders, progress, "Predicting with model B")
    return with_model_b(frame, frame_b, labels)


def _with_head(
    frame: pd.DataFrame,
    regressor: Regressor,
    gold: str,
    data: Dataset,
    loaders: Loaders,
    progress: SessionProgress,
) -> pd.DataFrame:
    """``frame`` (over ``data``) plus the regression head's columns."""
    with progress.counting("Scoring") as report:
        scores = loaders.scores(regressor, data, report)
    return with_regression_head(frame, scores, gold)


def _training_limits(choice: SourceChoice, policy: Policy) -> TrainingLimits:
    """How ``choice``'s training runs: a visitor's data (neither built in nor
    the server's startup data) gets the CPU budget."""
    visitor_data = not choice.is_demo and (
        choice.data_source is None or choice.data_source not in policy.startup_data
    )
    return TrainingLimits.of(policy, visitor_data)


def _one_classifier_on_given_data(choice: SourceChoice) -> bool:
    """Whether ``choice`` is a user's data with one classifier (no built-in
    dataset, second model or regression head)."""
    return not (choice.is_demo or choice.compare_source or choice.regression_source)


def _run_workspace(choice: SourceChoice, loaders: Loaders, policy: Policy) -> Workspace:
    """The workspace of a run folder: its rows and stored predictions, the model
    its manifest names (weights loaded when a page first needs them)."""
    policy.check_data_source(choice.run_source)
    run = cached_run(choice.run_source)
    model = run_model(run, loaders.load_model)
    data, frame = run_frame(run, model)
    info = run_training_info(model)
    return Workspace(
        choice=choice, data=data, model=model, frame=frame, training_info=info
    )


def build_workspace(
    choice: SourceChoice,
    loaders: Loaders | None = None,
    progress: SessionProgress = SILENT,
    policy: Policy | None = None,
    quick_demo: bool = False,
    early_first_page: bool = False,
) -> Workspace:
    """Loads data and model(s), trains and predicts as needed.

    Args:
        choice: what to open.
        loaders: how to load and cache; by default ``plain_loaders()``.
        progress: what reports training and prediction progress.
        policy: what may be loaded (public mode); by default the process's
            (``litcore.session.policy.active``).
        quick_demo: on the built-in demo, open the quick probe while the
            fine-tuned model is not on disk (``demo.quick_demo_model``); the
            caller fine-tunes in the background.
        early_first_page: on a user's data with one classifier (no model B,
            no regression head) and ``first_rows.EARLY_FROM`` rows or more
            never predicted, open on the data's first rows while a background
            job predicts them all (``Workspace.rest_job``); the caller rebuilds
            when it is done.

    Raises:
        ComparisonError: only the second model is wrong; the rest would load.
        HeadError: only the regression head is wrong; the rest would load.
        PolicyError: public mode does not allow the data or the model.
        TrainingBudgetError: training on a visitor's data ran out of CPU time.
        LumenError: anything the user can fix; the message says what.
    """
    loaders = loaders or plain_loaders()
    policy = policy or active()
    policy.check_model(choice.model_source, choice.trust_remote_code, choice.revision)
    if choice.run_source is not None:
        return _run_workspace(choice, loaders, policy)
    data, train = _data_for(choice, loaders, policy)
    data = relabel(data, dict(choice.label_map))
    limits = _training_limits(choice, policy)
    if quick_demo and choice.is_demo and choice.model_source == DEMO_MODEL:
        model_dir = demo.quick_demo_model(choice.demo_key, progress)
    else:
        model_dir = _model_dir(
            choice.model_source, train, loaders, progress, choice.is_demo, limits
        )
    revision = None if choice.model_source in TRAIN_CONFIGS else choice.revision
    model = loaders.load_model(model_dir, choice.trust_remote_code, revision)
    everything, rest_job = data, None
    store = loaders.prediction_store()
    if early_first_page and _one_classifier_on_given_data(choice):
        if first_rows.unpredicted(model, data, store) >= first_rows.EARLY_FROM:
            data = first_rows.first_rows(data)
    frame = _predicted(model, data, loaders, progress, "Predicting")
    if data is not everything:  # the first rows are stored: the job skips them
        rest_job = first_rows.predict_in_background(model, everything, store).name
    model_b = None
    if choice.compare_source:
        model_b = _model_b(choice, model, train, loaders, progress, policy)
        frame = _with_model_b(frame, model_b, model.labels, data, loaders, progress)
    regressor = None
    if choice.regression_source:
        try:
            regressor = _regressor(choice, data, train, loaders, progress, policy)
            gold = choice.regression_gold
            frame = _with_head(frame, regressor, gold, data, loaders, progress)
        except LumenError as error:
            raise HeadError(f"Regression head: {error}") from error
    trained_on_split = train is not None and choice.model_source == DEMO_MODEL
    return Workspace(
        choice=choice,
        data=data,
        model=model,
        frame=frame,
        train_size=len(train) if trained_on_split else None,
        training_info=read_training_info(model_dir),
        model_b=model_b,
        regressor=regressor,
        regression_gold=choice.regression_gold if regressor else None,
        all_rows=len(everything) if rest_job else None,
        rest_job=rest_job,
    )


def session_frame(
    workspace: Workspace,
    overlay: Overlay,
    loaders: Loaders | None = None,
    progress: SessionProgress = SILENT,
) -> pd.DataFrame:
    """``workspace.frame`` plus the rows a session edited and generated.

    Adds ``origin`` ("original", "edited", "generated:<name>") and ``parent_id``
    columns; the overlay's rows get every model's columns, as the data's have.

    Args:
        overlay: the session's new rows on ``workspace.data``.
    """
    frame = workspace.frame.assign(**{ORIGIN: ORIGINAL, PARENT_ID: None})
    if not len(overlay):
        return frame
    loaders = loaders or plain_loaders()
    added = overlay.dataset(workspace.data)
    extra = _predicted(workspace.model, added, loaders, progress, "Predicting")
    if workspace.model_b is not None:
        model_b, labels = workspace.model_b, workspace.labels
        extra = _with_model_b(extra, model_b, labels, added, loaders, progress)
    if workspace.regressor is not None:
        gold = workspace.regression_gold
        regressor = workspace.regressor
        extra = _with_head(extra, regressor, gold, added, loaders, progress)
    return pd.concat([frame, extra], ignore_index=True)
