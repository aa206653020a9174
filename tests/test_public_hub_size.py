"""The hub size check counts what ``from_pretrained`` downloads, from fake
``model_info`` sibling lists (no network)."""

from __future__ import annotations

import pytest

from litcore.api.errors import PolicyError
from litcore.session.policy import Policy, download_bytes

MB = 2**20
TOKENIZER = {"tokenizer.json": 700_000, "tokenizer_config.json": 300, "vocab.txt": 2}
DOCUMENTS = {"README.md": 9_000, ".gitattributes": 1_500, "1_Pooling/config.json": 9}
OTHER_FORMATS = {
    "tf_model.h5": 400 * MB,
    "flax_model.msgpack": 400 * MB,
    "rust_model.ot": 400 * MB,
    "onnx/model.onnx": 400 * MB,
    "openvino/openvino_model.bin": 400 * MB,
}


def repository(weights: dict[str, int | None]) -> dict[str, int | None]:
    """A hub repository's files (path -> size): config, tokenizer, documents,
    other formats and ``weights``."""
    return {"config.json": 600, **TOKENIZER, **DOCUMENTS, **OTHER_FORMATS, **weights}


SMALL = 600 + sum(TOKENIZER.values())


def test_safetensors_are_counted_and_every_other_weights_format_is_not():
    files = repository({"model.safetensors": 90 * MB, "pytorch_model.bin": 90 * MB})
    assert download_bytes(files) == SMALL + 90 * MB


def test_the_bin_is_counted_when_there_are_no_safetensors():
    assert (
        download_bytes(repository({"pytorch_model.bin": 250 * MB})) == SMALL + 250 * MB
    )


def test_a_sharded_checkpoint_counts_its_index_and_every_shard():
    files = {
        "config.json": 600,
        "model.safetensors.index.json": 30_000,
        "model-00001-of-00002.safetensors": 300 * MB,
        "model-00002-of-00002.safetensors": 200 * MB,
        "pytorch_model.bin.index.json": 30_000,
        "pytorch_model-00001-of-00002.bin": 300 * MB,
        "pytorch_model-00002-of-00002.bin": 200 * MB,
    }
    assert download_bytes(files) == 600 + 30_000 + 500 * MB
    bins = {k: v for k, v in files.items() if "safetensors" not in k}
    assert download_bytes(bins) == 600 + 30_000 + 500 * MB


def test_weights_only_in_other_formats_or_folders_count_nothing():
    assert download_bytes(repository({})) == SMALL
    nested = {"config.json": 600, "sub/model.safetensors": 900 * MB}
    assert download_bytes(nested) == 600


def test_a_counted_file_without_a_size_refuses_the_download():
    files = repository({"model.safetensors": None})
    with pytest.raises(ValueError, match="no size for model.safetensors"):
        download_bytes(files)
    assert download_bytes({**repository({}), "README.md": None}) == SMALL

    def sized(hub_id, revision):
        return download_bytes(files)

    public = Policy(public=True, allowed_models=("org/m",), model_size=sized)
    with pytest.raises(PolicyError, match="Could not check the size of 'org/m'"):
        public.check_download("org/m")


def test_the_limit_applies_to_the_downloaded_files_only():
    files = repository({"model.safetensors": 450 * MB, "pytorch_model.bin": 450 * MB})

    def sized(hub_id, revision):
        return download_bytes(files)

    Policy(public=True, allowed_models=("org/m",), model_size=sized).check_download(
        "org/m"
    )
    tight = Policy(
        public=True, allowed_models=("org/m",), max_model_mb=400, model_size=sized
    )
    with pytest.raises(PolicyError, match="'org/m' is 451 MB"):
        tight.check_download("org/m")
