"""``predict --engine ray --ray-address HOST:PORT`` on a real two-node Ray cluster
started on this machine the way a user starts one (``ray start --head``, then
``ray start --address``), each node with one CPU, in its own temp dir and on its
own ports; and the one-line errors for addresses Lumen cannot join."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from same_runs import assert_same_predictions

from litcore.api.errors import LumenError
from litcore.cli import main
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.data.demo import load_demo
from litcore.data.loading import read_path
from litcore.models.ray_engine import RayOptions, predict_run_ray
from litcore.store.run import open_run

START_TIMEOUT_S = 180  # for a node to report "Ray runtime started"
STOP_TIMEOUT_S = 30  # for a node's processes to exit after SIGTERM


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _process_tree(root: int) -> set[int]:
    """``root`` and every process below it, from /proc's parent ids."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += children.get(pid, [])
    return tree


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class _Node:
    """One ``ray start --block`` process: the node lives as long as it does."""

    def __init__(self, flags: list[str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ray.scripts.scripts", "start", *flags],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"},
            )

    def wait_started(self) -> None:
        """Waits for ``ray start`` to report the node up; fails if it exits."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Ray runtime started" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray start failed:\n{self.log.read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM (``--block`` then stops the node's processes), then SIGKILL
        for anything of its tree still running: no raylet outlives the test."""
        tree = _process_tree(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while any(map(_alive, tree)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in filter(_alive, tree | _process_tree(self.process.pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # exited meanwhile
                pass
        self.process.wait()


class Cluster(NamedTuple):
    address: str  # the head's HOST:PORT
    temp_root: Path  # RAY_TMPDIR for which `auto` finds this cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A head and a worker node, one CPU each.

    Every port a second Ray on this machine could also want is chosen free, and
    the temp dir is the cluster's own, so a local ``ray.init()`` elsewhere (the
    address file it reads lives in the default temp dir) never joins it. The
    temp dir is short: Ray's socket paths in it must fit in 107 bytes.
    """
    folder = Path(tempfile.mkdtemp(prefix="lumen-ray-", dir="/tmp"))
    port = _free_port()
    common = ["--num-cpus=1", "--object-store-memory=100000000", "--block"]
    common += ["--min-worker-port=0", "--max-worker-port=0"]
    nodes = [
        _Node(
            [
                "--head",
                f"--port={port}",
                f"--temp-dir={folder / 'ray'}",
                "--include-dashboard=false",
                f"--dashboard-port={_free_port()}",
                f"--dashboard-agent-listen-port={_free_port()}",
                *common,
            ],
            folder / "head.log",
        )
    ]
    try:
        # Joining before the head's own raylet registered made the head time
        # out on its node info (both raylets have this machine's IP).
        nodes[0].wait_started()
        nodes.append(
            _Node(
                [
                    f"--address=127.0.0.1:{port}",
                    f"--dashboard-agent-listen-port={_free_port()}",
                    *common,
                ],
                folder / "worker.log",
            )
        )
        nodes[1].wait_started()
        yield Cluster(f"127.0.0.1:{port}", folder)
    finally:
        for node in reversed(nodes):
            node.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def movie_reviews(demo_prepared, tmp_path_factory) -> Path:
    """120 held-out movie review snippets (the built-in demo's), as a CSV; read
    once the run's demo preparation has written them to the cache."""
    _, held_out = load_demo("movies")
    path = tmp_path_factory.mktemp("reviews") / "reviews.csv"
    held_out.frame.iloc[:120].to_csv(path, index=False)
    return path


def _predict(data: Path, model: Path, out: Path, *engine: str) -> int:
    flags = ["predict", "--data", str(data), "--text", "text", "--label", "label"]
    return main([*flags, "--model", str(model), "--out", str(out), *engine])


def test_the_cli_predicts_on_a_two_node_cluster_like_the_default_engine(
    cluster, movie_reviews, tiny_model_dir, tmp_path, capsys
):
    address = cluster.address
    flags = ["--engine", "ray", "--ray-address", address, "--ray-workers", "2"]
    assert _predict(movie_reviews, tiny_model_dir, tmp_path / "ray", *flags) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result["n"] == 120
    # One CPU per node and per actor: one actor on each node, and each
    # predicted rows (the run counts the nodes its rows came from).
    assert result["ray_nodes"] == 2
    assert _predict(movie_reviews, tiny_model_dir, tmp_path / "local") == 0
    local, ray_run = open_run(tmp_path / "local"), open_run(tmp_path / "ray")
    assert ray_run.ids().tolist() == local.ids().tolist()
    assert ray_run.manifest.config["address"] == address
    assert_same_predictions(ray_run, local, local.ids().tolist())


def test_auto_joins_the_cluster_started_on_this_machine(
    cluster, movie_reviews, tiny_model_dir, tmp_path, capsys, monkeypatch
):
    # `auto` reads the address `ray start` wrote under Ray's temp dir
    # (/tmp/ray unless RAY_TMPDIR says otherwise).
    monkeypatch.setenv("RAY_TMPDIR", str(cluster.temp_root))
    flags = ["--engine", "ray", "--ray-address", "auto"]
    assert _predict(movie_reviews, tiny_model_dir, tmp_path / "run", *flags) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["n"] == 120
    assert open_run(tmp_path / "run").manifest.config["address"] == "auto"


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("ray://head-node:10001", "The Ray Client (ray://) is not supported"),
        ("http://head-node:8265", "give the cluster's GCS address as HOST:PORT"),
        ("head-node", "is not HOST:PORT"),
        ("127.0.0.1:99999", "is not HOST:PORT"),
        ("127.0.0.1:{closed}", "No Ray cluster answers at 127.0.0.1:"),
    ],
)
def test_an_address_lumen_cannot_join_is_one_line_of_error(
    address, says, movie_reviews, tiny_model_dir, tmp_path, capsys
):
    address = address.format(closed=_free_port())
    flags = ["--engine", "ray", "--ray-address", address]
    assert _predict(movie_reviews, tiny_model_dir, tmp_path / "run", *flags) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ") and says in stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr


def test_a_pool_the_cluster_cannot_place_fails_in_time(
    cluster, tiny_model, movie_reviews, tmp_path
):
    data = from_frame(read_path(movie_reviews), ColumnMapping("text", "label"))
    options = RayOptions(address=cluster.address, gpus_per_worker=1, start_timeout_s=2)
    with pytest.raises(LumenError, match=r"did not start 1 worker\(s\) with 1 CPU"):
        predict_run_ray(tiny_model, data, tmp_path / "run", options)
