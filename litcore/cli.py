"""``lumen-nlp`` (or ``python -m litcore``): prepare the demo, train a classifier,
predict a file, serve the app."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import warnings
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from litcore.api.errors import LumenError
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.data.demo import DEMOS
from litcore.data.loading import read_path
from litcore.models.training_rules import (
    DEFAULT_LEARNING_RATE,
    LENGTH_QUANTILE,
    MAX_LENGTH_BOUNDS,
    MIN_STEPS,
)
from litcore.session.policy import Policy
from litcore.session.startup import (
    PUBLIC_VARIABLE,
    add_source_arguments,
    app_script,
    parse_startup,
    source_flags,
)

if TYPE_CHECKING:  # torch and transformers load with the command that needs them
    from litcore.models.training import TrainProgress


class _Bars:
    """tqdm bars for training steps and prediction batches."""

    def __init__(self) -> None:
        self.bars: dict[str, tqdm] = {}

    def _bar(self, name: str, total: int) -> tqdm:
        if name not in self.bars:
            self.bars[name] = tqdm(total=total, desc=name, unit="step", file=sys.stderr)
        return self.bars[name]

    def train(self, report: TrainProgress) -> None:
        bar = self._bar("train", report.total_steps)
        bar.set_postfix(loss=f"{report.loss:.3f}")
        bar.update(report.step - bar.n)

    def predict(self, done: int, total: int) -> None:
        bar = self._bar("predict", total)
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _prepare_demo(args, bars: _Bars) -> dict:
    from litcore.session.demo import prepare_demo

    summary = prepare_demo(args.dataset, bars.train, bars.predict)
    if args.tasks:
        summary["masked_lm"] = _prepare_masked_lm()
    return summary


def _prepare_masked_lm() -> dict:
    """The Fill in the blank page's built-in model: its folder and quality."""
    from litcore.models.mlm_head import demo_mlm_head, read_mlm_info

    bar = tqdm(total=100, desc="masked LM head", unit="%", file=sys.stderr)
    folder = demo_mlm_head(lambda done, _: bar.update(round(done * 100) - bar.n))
    bar.close()
    return {"folder": str(folder)} | (read_mlm_info(folder) or {})


def _load_labelled(args):
    mapping = ColumnMapping(text=args.text, text_b=args.text_b, label=args.label)
    return from_frame(read_path(args.data), mapping, name=Path(args.data).name)


def _train(args, bars: _Bars) -> dict:
    from litcore.models.classifier import SequenceClassifier
    from litcore.models.training import (
        TRAINING_INFO,
        TrainConfig,
        TrainingWarning,
        adapted_config,
        base_model_dir,
        fine_tune,
        read_training_info,
    )

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise LumenError(f"{out} exists and is not empty; choose a new --out folder.")
    data = _load_labelled(args)
    base = args.base or base_model_dir()
    config = adapted_config(data, base, TrainConfig(learning_rate=args.lr))
    given = {"epochs": args.epochs, "max_length": args.max_length}
    config = replace(config, **{k: v for k, v in given.items() if v is not None})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingWarning)  # printed below instead
        model_dir = fine_tune(base, data, config, bars.train)
    info = read_training_info(model_dir)
    bars.close()
    for message in info.get("warnings", []):
        print(f"warning: {message}", file=sys.stderr)
    model = SequenceClassifier.from_pretrained(model_dir)
    model.model.save_pretrained(out)
    model.tokenizer.save_pretrained(out)
    shutil.copy(model_dir / TRAINING_INFO, out / TRAINING_INFO)
    return {
        "model_dir": str(out),
        "n_train": len(data),
        "labels": list(model.labels),
        "config": asdict(config),
        "n_trained_on": info["n_train"],
        "truncated_share": info["truncated_share"],
        "validation": info.get("validation"),
        "warnings": info.get("warnings", []),
    }


def _predict(args, bars: _Bars) -> dict | None:
    from litcore.models.classifier import SequenceClassifier
    from litcore.session.columns import LABEL, proba_column
    from litcore.session.predictions import predicted_fields
    from litcore.store.predictions import PredictionStore

    writes_run = _writes_run(args)  # before loading anything: it checks --engine ray
    raw = read_path(args.data)
    model = SequenceClassifier.from_pretrained(args.model)
    metadata = tuple(c.strip() for c in (args.metadata or "").split(",") if c.strip())
    mapping = ColumnMapping(args.text, args.label, args.text_b, metadata)
    data = from_frame(raw, mapping, name=Path(args.data).name)
    if len(data) != len(raw):
        raise LumenError(
            f"{len(raw) - len(data)} rows have an empty text or label; "
            "clean them first."
        )
    if writes_run:
        return _predict_run(args, model, data, bars)
    store = PredictionStore()
    read = predicted_fields(model, data.frame, store, ["probas"], bars.predict)
    probas = read["probas"]
    out = raw.copy()
    out["predicted_label"] = [model.labels[i] for i in probas.argmax(axis=1)]
    for column, label in enumerate(model.labels):
        out[proba_column(label)] = probas[:, column]
    out_path = Path(args.out)
    if out_path.suffix.lower() in (".parquet", ".pq"):
        out.to_parquet(out_path, index=False)
    else:
        out.to_csv(out_path, index=False)
    if not args.label:
        return None
    report = _metric(model).compute(data.frame[LABEL], probas, model.labels)
    return _rounded_headline(report) | {"n": report.n}


def _metric(model):
    """The model's first metric in the registry (Classification), at its defaults."""
    from litcore.metrics import registry as metrics

    return metrics.build(metrics.for_model(model)[0])


def _rounded_headline(report) -> dict[str, float]:
    """A report's headline numbers to 4 places.

    Raises:
        LumenError: no report (no gold label is a class of the model).
    """
    if report is None:
        raise LumenError("None of the gold labels are classes of this model.")
    return {name: round(value, 4) for name, value in report.headline.items()}


OUT_HELP = {
    "train": "a new folder for the model",
    "predict": "a .csv or .parquet table of the predictions, or a new folder "
    "for a run (what `lumen-nlp serve --run` opens)",
}
# --out with one of these suffixes is a table of predictions; anything else a run.
# Streamlit reads its upload cap (MB) from this variable (server.maxUploadSize).
UPLOAD_CAP_VARIABLE = "STREAMLIT_SERVER_MAX_UPLOAD_SIZE"
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".jsonl", ".json")


def _writes_run(args) -> bool:
    """Whether ``predict`` writes a run folder (``--out`` without a table's
    suffix); the Ray engine writes nothing else.

    Raises:
        LumenError: ``--engine ray`` with a table's suffix, or a ``--ray-address``
            it cannot join (``ray_engine.check_address``).
    """
    run = Path(args.out).suffix.lower() not in TABLE_SUFFIXES
    if args.engine == "ray" and not run:
        raise LumenError("--engine ray writes a run: give --out a folder name.")
    if args.engine == "ray":
        from litcore.models.ray_engine import check_address

        check_address(args.ray_address)
    return run


def _predict_run(args, model, data, bars: _Bars) -> dict:
    """Writes a run with the chosen engine; returns where, its size and, with
    gold labels, its metrics."""
    from litcore.session.predictions import frame_report
    from litcore.session.runs import cached_run, predict_run, run_frame

    if args.engine == "ray":
        from litcore.models.ray_engine import RayOptions, predict_run_ray

        options = RayOptions(
            address=args.ray_address,
            workers=args.ray_workers,
            gpus_per_worker=args.ray_gpus,
        )
        manifest = predict_run_ray(model, data, args.out, options, bars.predict)
    else:
        manifest = predict_run(model, data, args.out, bars.predict)
    result = {"run": str(args.out), "n": manifest.rows, "shards": len(manifest.shards)}
    if args.engine == "ray":
        result["ray_nodes"] = manifest.config["nodes"]
    if args.label:
        _, frame = run_frame(cached_run(args.out), model)
        result |= _rounded_headline(frame_report(frame, model.labels, _metric(model)))
    return result


def _port(value: str) -> int:
    """A TCP port number (an argparse type)."""
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"not a port number (1 to 65535): '{value}'")
    return int(value)


def serve_command(
    args: argparse.Namespace, environ: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of the server ``serve`` starts:
    ``streamlit run app.py --server.port N -- <the source flags>``.

    Raises:
        StartupError: a bad source flag or ``LUMEN_*`` variable, found here
            before the server starts.
    """
    flags = source_flags(vars(args))
    parse_startup(flags, environ)
    command = [sys.executable, "-m", "streamlit", "run", str(app_script())]
    command += ["--server.port", str(args.port), "--", *flags]
    env = dict(environ)
    if args.public:
        env[PUBLIC_VARIABLE] = "1"
        # Streamlit's own cap: a bigger upload never reaches the server's memory.
        env[UPLOAD_CAP_VARIABLE] = str(Policy.from_environ(env).max_upload_mb)
    return command, env


def _serve(args, bars: _Bars) -> None:
    """Becomes the Streamlit server (so Ctrl-C and its exit code are its own)."""
    command, env = serve_command(args, os.environ)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lumen-nlp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "prepare-demo", help="prepare a built-in dataset and model"
    )
    demo.add_argument("--dataset", choices=list(DEMOS), default="movies")
    demo.add_argument(
        "--tasks",
        action="store_true",
        help="also train the Fill in the blank page's built-in masked LM",
    )
    demo.set_defaults(handler=_prepare_demo)
    for name, handler, about in (
        ("train", _train, "fine-tune a classifier on a labelled file"),
        ("predict", _predict, "predict a file (and score it, given labels)"),
    ):
        command = commands.add_parser(name, help=about)
        command.add_argument("--data", required=True, help="CSV, TSV, JSONL or Parquet")
        command.add_argument("--text", required=True, help="text column")
        command.add_argument("--text-b", help="second text column (sentence pairs)")
        command.add_argument("--out", required=True, help=OUT_HELP[name])
        command.set_defaults(handler=handler)
        if name == "train":
            command.add_argument("--label", required=True, help="label column")
            command.add_argument("--base", help="base model folder or hub id")
            command.add_argument(
                "--epochs",
                type=float,
                help=f"default: 1, or more to reach {MIN_STEPS} optimiser steps",
            )
            command.add_argument("--lr", type=float, default=DEFAULT_LEARNING_RATE)
            command.add_argument(
                "--max-length",
                type=int,
                help=f"default: covers {LENGTH_QUANTILE:.0%}% of the texts "
                f"({MAX_LENGTH_BOUNDS[0]} to {MAX_LENGTH_BOUNDS[1]} tokens)",
            )
        else:
            command.add_argument(
                "--model", required=True, help="classifier folder or hub id"
            )
            command.add_argument("--label", help="gold label column, for metrics")
            command.add_argument(
                "--metadata", metavar="A,B", help="metadata columns a run keeps"
            )
            command.add_argument(
                "--engine",
                choices=("local", "ray"),
                default="local",
                help="ray: Ray Data workers (pip install 'lumen-nlp[ray]'); "
                "writes a run",
            )
            command.add_argument(
                "--ray-address",
                help="a Ray cluster to join: its HOST:PORT (what `ray start --head` "
                "prints) or auto (default: a local instance)",
            )
            command.add_argument(
                "--ray-workers", type=int, default=1, help="Ray actors (default: 1)"
            )
            command.add_argument(
                "--ray-gpus", type=float, default=0, help="GPUs per Ray actor"
            )
    serve = commands.add_parser(
        "serve",
        help="start the app, opening the data and model given",
        description="Starts the app (streamlit run app.py). The source flags "
        "can come from the LUMEN_* variables too; a flag wins.",
    )
    add_source_arguments(serve)
    serve.add_argument("--port", type=_port, default=8501, help="default: 8501")
    serve.add_argument(
        "--public",
        action="store_true",
        help=f"serve in public mode (sets ${PUBLIC_VARIABLE}=1 for the app)",
    )
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    bars = _Bars()
    try:
        result = args.handler(args, bars)
    except LumenError as error:
        bars.close()
        print(f"error: {error}", file=sys.stderr)
        return 2
    bars.close()
    if result is not None:
        print(json.dumps(result))
    return 0
