"""``predict --engine ray``: Ray Data actors on a local Ray instance write the same
run as the default engine (one CPU, a small dataset, one Ray start-up for the
module: it is most of the module's time)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from same_runs import assert_same_predictions
from tiny_models import TINY_WORDS

from litcore.cli import main
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.models.classifier import SequenceClassifier
from litcore.models.ray_engine import RayOptions, predict_run_ray
from litcore.session.runs import predict_run
from litcore.store.run import open_run


@pytest.fixture(scope="module")
def reviews():
    rng = np.random.default_rng(7)
    rows = [
        {
            "sentence": " ".join(rng.choice(TINY_WORDS, rng.integers(2, 30))),
            "gold": str(rng.choice(["negative", "positive"])),
            "genre": str(rng.choice(["drama", "comedy"])),
        }
        for _ in range(45)
    ]
    rows.append(dict(rows[0]))  # a repeated example keeps an id of its own
    mapping = ColumnMapping("sentence", "gold", metadata=("genre",))
    return from_frame(pd.DataFrame(rows), mapping, name="reviews")


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance (one CPU) for the module: its start-up is most of
    the module's time, and the engine joins an instance already running."""
    import ray

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def both_runs(local_ray, tiny_model_dir, reviews, tmp_path_factory):
    model = SequenceClassifier.from_pretrained(tiny_model_dir)
    root = tmp_path_factory.mktemp("runs")
    predict_run(model, reviews, root / "local", shard_rows=20)
    options = RayOptions(workers=1, local_cpus=1)
    predict_run_ray(model, reviews, root / "ray", options, shard_rows=20)
    return open_run(root / "local"), open_run(root / "ray")


def test_ray_writes_the_same_predictions_as_the_default_engine(both_runs, reviews):
    local, ray_run = both_runs
    assert ray_run.ids().tolist() == reviews.frame["id"].tolist()
    assert_same_predictions(ray_run, local, reviews.frame["id"].tolist())
    pd.testing.assert_frame_equal(ray_run.dataset().frame, local.dataset().frame)


def test_ray_shards_like_the_default_engine_with_unique_stable_ids(both_runs):
    local, ray_run = both_runs
    assert [s[2] for s in ray_run.manifest.shards] == [20, 20, 6]
    assert ray_run.manifest.shards == local.manifest.shards
    assert ray_run.ids().is_unique
    assert ray_run.manifest.config["engine"] == "ray"
    same = {"config"}
    local_fields = {k: v for k, v in vars(local.manifest).items() if k not in same}
    ray_fields = {k: v for k, v in vars(ray_run.manifest).items() if k not in same}
    assert ray_fields == local_fields


def test_the_cli_runs_the_ray_engine(
    local_ray, tiny_model_dir, reviews, tmp_path, capsys
):
    data = tmp_path / "reviews.csv"
    reviews.frame.rename(columns={"text": "sentence"}).to_csv(data, index=False)
    out = tmp_path / "run"
    flags = ["predict", "--data", str(data), "--text", "sentence"]
    flags += ["--model", str(tiny_model_dir), "--out", str(out)]
    assert main([*flags, "--engine", "ray", "--ray-workers", "1"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["n"] == len(reviews)
    assert open_run(out).manifest.config["engine"] == "ray"
