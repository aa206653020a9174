"""Public mode's policy: the LUMEN_* variables read exactly, bad values refused,
and the checks a visitor's sources, uploads and downloads go through."""

from __future__ import annotations

import threading

import pytest

from litcore.api.errors import PolicyError
from litcore.data.dataset import ColumnMapping
from litcore.models.training import TrainProgress
from litcore.session.choice import (
    DEMO_MODEL,
    DEMO_OTHER_SEED,
    TRAINED_HEAD,
    SourceChoice,
)
from litcore.session.policy import Policy, is_hub_id
from litcore.session.startup import StartupError, parse_startup, server_policy
from litcore.session.training_queue import (
    TrainingBudgetError,
    TrainingLimits,
    TrainingQueue,
    budgeted,
)
from litcore.session.workspace import build_workspace


def test_no_variables_give_private_mode_with_the_documented_defaults():
    policy = Policy.from_environ({})
    assert policy == Policy(
        public=False,
        allowed_models=(),
        max_model_mb=500,
        max_upload_mb=20,
        max_rows=10_000,
        train_budget_s=300,
        share_ttl_days=7,
        max_models=4,
        snapshot_mb=2_048,
        store_mb=4_096,
    )
    assert policy.remote_code_allowed


def test_every_variable_is_read_exactly():
    policy = Policy.from_environ(
        {
            "LUMEN_PUBLIC": " TRUE ",
            "LUMEN_ALLOWED_MODELS": " org/a ,b-c.d_e, org/a,,",
            "LUMEN_MAX_MODEL_MB": "120",
            "LUMEN_MAX_UPLOAD_MB": "3",
            "LUMEN_MAX_ROWS": "250",
            "LUMEN_TRAIN_BUDGET_S": "60",
            "LUMEN_SHARE_TTL_DAYS": "1",
            "LUMEN_SNAPSHOT_MB": "64",
            "LUMEN_STORE_MB": "128",
        }
    )
    assert (policy.public, policy.allowed_models) == (True, ("org/a", "b-c.d_e"))
    assert (policy.max_model_mb, policy.max_upload_mb, policy.max_rows) == (
        120,
        3,
        250,
    )
    assert (policy.train_budget_s, policy.share_ttl_days) == (60, 1)
    assert (policy.snapshot_mb, policy.store_mb) == (64, 128)
    assert policy.max_models == 2  # public mode's default
    assert not policy.remote_code_allowed


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LUMEN_PUBLIC", "maybe", "$LUMEN_PUBLIC must be 1 or 0"),
        ("LUMEN_MAX_MODEL_MB", "5e2", "$LUMEN_MAX_MODEL_MB must be a whole number"),
        ("LUMEN_MAX_UPLOAD_MB", "0", "at least 1, not '0'"),
        ("LUMEN_MAX_ROWS", "-5", "$LUMEN_MAX_ROWS must be a whole number"),
        ("LUMEN_TRAIN_BUDGET_S", "ten", "$LUMEN_TRAIN_BUDGET_S must be"),
        ("LUMEN_SHARE_TTL_DAYS", "1.5", "$LUMEN_SHARE_TTL_DAYS must be"),
        ("LUMEN_MAX_MODELS", "0", "$LUMEN_MAX_MODELS must be"),
        ("LUMEN_SNAPSHOT_MB", "1 GB", "$LUMEN_SNAPSHOT_MB must be a whole number"),
        ("LUMEN_STORE_MB", "0", "$LUMEN_STORE_MB must be a whole number"),
        ("LUMEN_ALLOWED_MODELS", "org/a,/srv/models/x", "'/srv/models/x', which"),
        ("LUMEN_ALLOWED_MODELS", "../up", "'../up', which is not a hub id"),
        ("LUMEN_ALLOWED_MODELS", "a/b/c", "'a/b/c', which is not a hub id"),
    ],
)
def test_a_bad_value_is_a_one_line_error_naming_the_variable(variable, value, message):
    with pytest.raises(PolicyError) as caught:
        Policy.from_environ({variable: value})
    assert message in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(StartupError, match=message.replace("$", r"\$")):
        parse_startup([], {variable: value})


def test_an_allowlisted_name_that_exists_on_the_server_is_not_a_hub_id(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "model").symlink_to("/etc")
    assert is_hub_id("org/other") and not is_hub_id("org/model")
    with pytest.raises(PolicyError, match="'org/model', which is not a hub id"):
        Policy.from_environ({"LUMEN_ALLOWED_MODELS": "org/model"})


def test_the_server_trusts_its_own_startup_model_and_data(tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\ngood,pos\n")
    model = tmp_path / "model"
    model.mkdir()
    argv = ["--data", str(data), "--text", "text", "--model", str(model)]
    policy = server_policy(argv, {"LUMEN_PUBLIC": "1"})
    assert policy.startup_models == {str(model)}
    assert policy.startup_data == {str(data)}
    policy.check_model(str(model))
    policy.check_data_source(str(data))
    assert policy.offered_models == (str(model),)
    broken = server_policy(
        ["--model", str(tmp_path / "missing")], {"LUMEN_PUBLIC": "1"}
    )
    assert broken.startup_models == frozenset()


PUBLIC = Policy(public=True, allowed_models=("org/small", "org/huge"))


@pytest.mark.parametrize(
    "source", [DEMO_MODEL, DEMO_OTHER_SEED, TRAINED_HEAD, "org/small"]
)
def test_public_mode_opens_built_in_recipes_and_allowlisted_hub_ids(source):
    PUBLIC.check_model(source)


@pytest.mark.parametrize(
    "source", ["/etc", "./model", "~/model", "org/../etc", "file:///etc", "org/other"]
)
def test_public_mode_refuses_other_models(source):
    with pytest.raises(PolicyError, match="does not open the model"):
        PUBLIC.check_model(source)
    Policy().check_model(source)  # private mode: anything goes


def test_public_mode_refuses_remote_code_and_odd_revisions():
    with pytest.raises(PolicyError, match="never runs a model's own code"):
        PUBLIC.check_model(DEMO_MODEL, trust_remote_code=True)
    with pytest.raises(PolicyError, match="not a branch, tag or commit"):
        PUBLIC.check_model("org/small", revision="../../etc")
    PUBLIC.check_model("org/small", revision="v1.0")


def test_the_size_check_runs_before_a_download_and_only_in_public_mode(tmp_path):
    asked = []

    def size(source, revision):
        asked.append((source, revision))
        return {"org/small": 100 * 2**20, "org/huge": 501 * 2**20}[source]

    policy = Policy(
        public=True, allowed_models=("org/small", "org/huge"), model_size=size
    )
    policy.check_download("org/small", "main")
    with pytest.raises(PolicyError, match="'org/huge' is 501 MB; .* up to 500 MB"):
        policy.check_download("org/huge")
    with pytest.raises(PolicyError, match="does not open the model 'org/other'"):
        policy.check_download("org/other")
    policy.check_download(str(tmp_path))  # a folder the core let through
    Policy(model_size=size).check_download("org/huge")
    assert asked == [("org/small", "main"), ("org/huge", None)]


def test_a_size_that_cannot_be_read_refuses_the_download():
    def offline(source, revision):
        raise ConnectionError("no network")

    policy = Policy(public=True, allowed_models=("org/small",), model_size=offline)
    with pytest.raises(PolicyError, match="Could not check the size.*ConnectionError"):
        policy.check_download("org/small")


def test_server_data_in_public_mode():
    with pytest.raises(PolicyError, match="reads no files, folders or hub datasets"):
        PUBLIC.check_data_source("hf:imdb")
    Policy().check_data_source("/etc/passwd")


def test_training_limits_queue_every_public_job_and_budget_a_visitors():
    assert TrainingLimits.of(Policy(), visitor_data=True) == TrainingLimits()
    assert TrainingLimits.of(PUBLIC, visitor_data=False) == TrainingLimits(True, None)
    assert TrainingLimits.of(PUBLIC, visitor_data=True) == TrainingLimits(True, 300)


def test_a_budgeted_training_stops_once_its_cpu_seconds_are_spent():
    clock = iter([10.0, 12.0, 15.5])
    reported = []
    report = budgeted(reported.append, 5, cpu_clock=lambda: next(clock))
    report(TrainProgress(1, 9, 0.7, 2.0))
    with pytest.raises(TrainingBudgetError, match="step 2 of 9: .* 5 s of CPU time"):
        report(TrainProgress(2, 9, 0.6, 5.5))
    assert [p.step for p in reported] == [1, 2]


def test_the_queue_runs_one_job_at_a_time_in_arrival_order_and_says_who_waits():
    queue = TrainingQueue(poll_s=0.01)
    order, waits = [], {}
    first_running, release_first = threading.Event(), threading.Event()

    def job(name, hold=None):
        waits[name] = []
        with queue.turn(waits[name].append):
            order.append(name)
            if hold:
                first_running.set()
                release_first.wait(5)

    first = threading.Thread(target=job, args=("first", True))
    first.start()
    first_running.wait(5)
    second = threading.Thread(target=job, args=("second",))
    second.start()
    while not waits.get("second"):
        threading.Event().wait(0.01)
    assert order == ["first"] and waits["second"][0] == 1
    release_first.set()
    first.join(5)
    second.join(5)
    assert order == ["first", "second"] and waits["first"] == [0]
    assert set(waits["second"]) == {1, 0} and waits["second"][-1] == 0


def test_a_job_that_leaves_the_queue_early_does_not_stall_it():
    queue = TrainingQueue(poll_s=0.01)

    def give_up(ahead):
        raise RuntimeError("the visitor's page stopped")

    with queue.turn(lambda ahead: None):
        with pytest.raises(RuntimeError):
            with queue.turn(give_up):
                pass
    ran = []
    with queue.turn(ran.append):
        ran.append("ran")
    assert ran == [0, "ran"]


def test_a_visitors_upload_spec_passes_only_when_well_formed():
    PUBLIC.check_data_source("upload:" + "0f" * 32 + ".parquet")
    for spec in (
        "upload:" + "0f" * 32 + ".csv/../../etc/passwd",
        "upload:../../etc/passwd.csv",
        "upload:" + "0F" * 32 + ".csv",
        "upload:" + "0f" * 32 + ".pickle",
    ):
        with pytest.raises(PolicyError, match="reads no files"):
            PUBLIC.check_data_source(spec)


def test_training_on_a_visitors_upload_stops_at_the_budget_and_saves_nothing(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("LUMEN_CACHE_DIR", str(tmp_path))
    rows = [f"a good film {i},pos\na bad plot {i},neg" for i in range(30)]
    choice = SourceChoice(
        demo_key=None,
        file_name="mine.csv",
        file_bytes=("text,label\n" + "\n".join(rows) + "\n").encode(),
        mapping=ColumnMapping(text="text", label="label"),
    )
    rules = Policy(public=True, train_budget_s=1)
    stopped = r"Training stopped at step \d+ of \d+: .* 1 s of CPU time"
    with pytest.raises(TrainingBudgetError, match=stopped):
        build_workspace(choice, policy=rules)
    assert not list((tmp_path / "models").glob("*/config.json"))
