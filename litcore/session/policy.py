"""Public mode's policy: what a visitor of a hosted server may load and spend.

The policy is read once per process from the environment (``LUMEN_PUBLIC``,
``LUMEN_ALLOWED_MODELS``, ``LUMEN_MAX_MODEL_MB``, ...; see ``VARIABLES``). The
core asks it before it loads anything (``litcore.session.workspace``,
``litcore.models.hf_loading``), so the sidebar, the task pages, links, flags
and the CLI obey the same rules. Outside public mode every check passes.

In public mode a visitor may open the built-in demos, the server's own startup
data and model (trusted: the deployer chose them), their own upload, and hub
models from the allowlist, each checked for size before download. Never a
server path, a local folder or remote code.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from litcore.api.errors import LumenError, PolicyError
from litcore.session.choice import DEMO_MODEL, DEMO_OTHER_SEED, TRAINED_HEAD
from litcore.store.uploads import parse_upload_spec

# Set to 1 for a server in public mode (``lumen-nlp serve --public``).
PUBLIC_VARIABLE = "LUMEN_PUBLIC"
ALLOWED_MODELS_VARIABLE = "LUMEN_ALLOWED_MODELS"
# How visitors see the deployer's own model folder (default: the folder's name).
MODEL_NAME_VARIABLE = "LUMEN_MODEL_NAME"
# Each numeric setting (a Policy field) -> (its variable, default, least value).
LIMITS = {
    "max_model_mb": ("LUMEN_MAX_MODEL_MB", 500, 1),
    "max_upload_mb": ("LUMEN_MAX_UPLOAD_MB", 20, 1),
    "max_rows": ("LUMEN_MAX_ROWS", 10_000, 1),
    "train_budget_s": ("LUMEN_TRAIN_BUDGET_S", 300, 1),
    "share_ttl_days": ("LUMEN_SHARE_TTL_DAYS", 7, 1),
    "max_models": ("LUMEN_MAX_MODELS", None, 1),
    "snapshot_mb": ("LUMEN_SNAPSHOT_MB", 2_048, 1),
    "store_mb": ("LUMEN_STORE_MB", 4_096, 1),
}
# Classifiers kept loaded per process when LUMEN_MAX_MODELS is not set.
MODELS_KEPT = {True: 2, False: 4}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}
# Model sources that name a built-in recipe, not a folder or hub id.
BUILT_IN_MODELS = frozenset({DEMO_MODEL, DEMO_OTHER_SEED, TRAINED_HEAD})
# ``org/name`` or ``name``: letters, digits, ``-``, ``_``, ``.`` (no ``..``).
_HUB_ID = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?"
)
# A branch, tag or commit on the hub.
_REVISION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,127}")


# What ``from_pretrained`` reads from a hub repository besides the weights:
# the config, generation settings and every tokenizer's files (top level only).
LOADED_FILES = frozenset(
    {
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.txt",
        "vocab.json",
        "merges.txt",
        "spiece.model",
        "sentencepiece.bpe.model",
        "tokenizer.model",
    }
)
# The weights formats ``from_pretrained`` reads, preferred first: one file, or a
# sharded checkpoint's index and its shards.
WEIGHTS_FORMATS = (
    (
        "model.safetensors",
        re.compile(r"model(-\d+-of-\d+\.safetensors|\.safetensors\.index\.json)"),
    ),
    (
        "pytorch_model.bin",
        re.compile(r"pytorch_model(-\d+-of-\d+\.bin|\.bin\.index\.json)"),
    ),
)


def download_bytes(files: Mapping[str, int | None]) -> int:
    """What ``from_pretrained`` downloads from a hub repository holding ``files``
    (path -> size in bytes): ``LOADED_FILES`` and one weights format, safetensors
    where the repository has them, else the PyTorch ``.bin`` (one file, or a
    sharded checkpoint's index and every shard). Other formats (TensorFlow,
    Flax, ONNX), sub-folders and documents are not downloaded, so not counted.

    Raises:
        ValueError: a counted file whose size the hub did not give.
    """
    counted = [name for name in files if name in LOADED_FILES]
    for single, sharded in WEIGHTS_FORMATS:
        weights = [n for n in files if n == single or sharded.fullmatch(n)]
        if weights:
            counted += weights
            break
    unknown = [name for name in counted if files[name] is None]
    if unknown:
        raise ValueError(f"the hub gave no size for {', '.join(unknown)}")
    return sum(files[name] for name in counted)


def hub_model_bytes(hub_id: str, revision: str | None = None) -> int:
    """``download_bytes`` of a hub model repository (asks the hub: network)."""
    from huggingface_hub import HfApi

    info = HfApi().model_info(hub_id, revision=revision, files_metadata=True)
    return download_bytes({s.rfilename: s.size for s in info.siblings or ()})


def is_hub_id(source: str) -> bool:
    """Whether ``source`` can only be a hub id: ``org/name`` syntax, no ``..``,
    and nothing at that path on this server (a folder, file or symlink)."""
    return (
        _HUB_ID.fullmatch(source) is not None
        and ".." not in source
        and not os.path.lexists(source)
    )


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise PolicyError(f"${name} must be 1 or 0 (true/false), not '{value}'.")
    return value in _TRUE


def _whole_number(environ: Mapping[str, str], setting: str) -> int | None:
    name, default, least = LIMITS[setting]
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < least:
        raise PolicyError(
            f"${name} must be a whole number of at least {least}, not '{text}'."
        )
    return int(text)


def _allowlist(environ: Mapping[str, str]) -> tuple[str, ...]:
    entries = environ.get(ALLOWED_MODELS_VARIABLE, "").split(",")
    names = tuple(dict.fromkeys(entry.strip() for entry in entries if entry.strip()))
    for name in names:
        if not is_hub_id(name):
            raise PolicyError(
                f"${ALLOWED_MODELS_VARIABLE} lists '{name}', which is not a hub id "
                "(org/name): the allowlist names hub models, never paths."
            )
    return names


@dataclass(frozen=True)
class Policy:
    """What this server lets a visitor load and spend.

    Attributes:
        public: public mode is on; off, every check passes.
        allowed_models: hub ids a visitor may open (public mode).
        max_model_mb: the largest hub model downloaded for a visitor.
        max_upload_mb: the largest upload.
        max_rows: the most rows read from an upload.
        train_budget_s: CPU seconds a training on a visitor's data may use.
        share_ttl_days: days a shared upload is kept.
        max_models: classifiers kept loaded per process.
        snapshot_mb: disk kept for prediction snapshots (``litcore.store.
            snapshots``); the least recently read go first.
        store_mb: disk kept for the prediction store's rows and arrays
            (``litcore.store.predictions``); the least recently used go first.
        startup_models: the model(s) the server was started with (trusted).
        startup_data: the data the server was started with (trusted).
        model_name: how visitors see the startup model folder(s) (``""``: by
            the folder's name); never its path.
        model_size: (hub id, revision) -> bytes; ``hub_model_bytes`` asks the
            hub, a test passes its own.
    """

    public: bool = False
    allowed_models: tuple[str, ...] = ()
    max_model_mb: int = 500
    max_upload_mb: int = 20
    max_rows: int = 10_000
    train_budget_s: int = 300
    share_ttl_days: int = 7
    max_models: int = MODELS_KEPT[False]
    snapshot_mb: int = 2_048
    store_mb: int = 4_096
    startup_models: frozenset[str] = frozenset()
    startup_data: frozenset[str] = frozenset()
    model_name: str = ""
    model_size: Callable[[str, str | None], int] = field(
        default=hub_model_bytes, compare=False, repr=False
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Policy:
        """The policy the ``LUMEN_*`` variables set.

        Raises:
            PolicyError: a value that is not a flag, a whole number or a hub id;
                the message names the variable.
        """
        public = _flag(environ, PUBLIC_VARIABLE)
        limits = {setting: _whole_number(environ, setting) for setting in LIMITS}
        if limits["max_models"] is None:
            limits["max_models"] = MODELS_KEPT[public]
        return cls(
            public=public,
            allowed_models=_allowlist(environ),
            model_name=environ.get(MODEL_NAME_VARIABLE, "").strip(),
            **limits,
        )

    def trusting(self, models: tuple[str, ...], data: tuple[str, ...]) -> Policy:
        """This policy, also allowing the deployer's startup model(s) and data."""
        return replace(
            self,
            startup_models=self.startup_models | {m for m in models if m},
            startup_data=self.startup_data | {d for d in data if d},
        )

    @property
    def remote_code_allowed(self) -> bool:
        """Remote code is never run in public mode, whatever asks for it."""
        return not self.public

    @property
    def offered_models(self) -> tuple[str, ...]:
        """What a visitor may type or pick besides the built-in recipes: the
        server's own model(s), then the allowlist."""
        startup = sorted(m for m in self.startup_models if m not in BUILT_IN_MODELS)
        return tuple(dict.fromkeys([*startup, *self.allowed_models]))

    def shown_name(self, source: str) -> str:
        """How a page names ``source`` for a visitor: in public mode, the
        server's startup model folder by ``model_name`` (else the folder's name)
        and its startup data by the file's name, never their paths; anything
        else (built-in recipes, hub ids) as it is."""
        if not self.public or is_hub_id(source):
            return source
        if source in self.startup_models:
            return self.model_name or Path(source).name or "the server's model"
        if source in self.startup_data:
            return Path(source).name or "the server's data"
        return source

    def redact(self, text: str) -> str:
        """``text`` (an error message) with the server's startup paths, as
        given or resolved, replaced by ``shown_name`` (public mode)."""
        if not self.public:
            return text
        for source in sorted(self.startup_models | self.startup_data, key=len)[::-1]:
            name = self.shown_name(source)
            resolved = str(Path(source).expanduser().resolve())
            for path in dict.fromkeys((resolved, source)):
                if path != name:
                    text = text.replace(path, name)
        return text

    @property
    def offered_names(self) -> tuple[str, ...]:
        """``offered_models`` as visitors see them (``shown_name``)."""
        return tuple(self.shown_name(source) for source in self.offered_models)

    def check_model(
        self, source: str, trust_remote_code: bool = False, revision: str | None = None
    ) -> None:
        """Refuses a model source a visitor may not open.

        Args:
            source: a built-in recipe, a folder or a hub id.
            trust_remote_code: whether the visitor asks to run the model's code.
            revision: a branch, tag or commit on the hub.

        Raises:
            PolicyError: in public mode, remote code, or a source that is not
                built in, the server's own or an allowlisted hub id.
        """
        if not self.public:
            return
        if trust_remote_code:
            raise PolicyError(
                "This public server never runs a model's own code: untick 'trust "
                "remote code' (or leave it out of the link)."
            )
        if revision is not None and not _REVISION.fullmatch(revision):
            raise PolicyError(f"'{revision}' is not a branch, tag or commit name.")
        source = source.strip()
        if source in BUILT_IN_MODELS or source in self.startup_models:
            return
        if source in self.allowed_models and is_hub_id(source):
            return
        offered = ", ".join(self.offered_names) or "none"
        raise PolicyError(
            f"This public server does not open the model '{source}': visitors may "
            "use the built-in MiniLM recipes and the server's listed models "
            f"({offered}), never a folder or path on the server."
        )

    def check_data_source(self, source: str) -> None:
        """Refuses data read on the server (a path, a folder, an ``hf:`` dataset)
        unless the server was started with it; a visitor's stored upload (a
        well-formed ``upload:<sha256>.<format>``, no path in it) passes.

        Raises:
            PolicyError: in public mode, any other server-side data.
        """
        if self.public and source not in self.startup_data and not _is_upload(source):
            raise PolicyError(
                "This public server reads no files, folders or hub datasets for "
                "visitors: upload your file, or open the built-in demo."
            )

    def check_download(self, source: str, revision: str | None = None) -> None:
        """Checks a hub model's size before it is downloaded for a visitor.

        A local folder (a built-in model, or one the core already let through)
        and the server's startup model pass.

        Raises:
            PolicyError: in public mode, a hub id that is not allowlisted, over
                ``max_model_mb``, or whose size cannot be read.
        """
        if not self.public or source in self.startup_models or Path(source).is_dir():
            return
        self.check_model(source, False, revision)
        size_mb = self._size_mb(source, revision)
        if size_mb > self.max_model_mb:
            raise PolicyError(
                f"'{source}' is {size_mb:,.0f} MB; this server downloads models of "
                f"up to {self.max_model_mb} MB."
            )

    def _size_mb(self, source: str, revision: str | None) -> float:
        try:
            return self.model_size(source, revision) / 2**20
        except Exception as error:  # the hub's errors have no common base
            raise PolicyError(
                f"Could not check the size of '{source}' on the hub before "
                f"downloading it ({type(error).__name__}); try again later."
            ) from error


def _is_upload(source: str) -> bool:
    """Whether ``source`` is a well-formed upload spec (a content hash, no path)."""
    try:
        parse_upload_spec(source)
    except LumenError:
        return False
    return True


_ACTIVE: Policy | None = None
_ACTIVE_LOCK = threading.Lock()


def install(policy: Policy | None) -> None:
    """Makes ``policy`` this process's policy (None: read it again when asked)."""
    global _ACTIVE
    with _ACTIVE_LOCK:
        _ACTIVE = policy


def active() -> Policy:
    """This process's policy: the installed one, else the environment's, trusting
    the startup flags and ``LUMEN_*`` sources (``startup.server_policy``).

    Raises:
        PolicyError: a bad ``LUMEN_*`` value (raised again on every call).
    """
    global _ACTIVE
    with _ACTIVE_LOCK:
        if _ACTIVE is None:
            from litcore.session import startup  # startup imports this module

            _ACTIVE = startup.server_policy(startup.process_arguments(), os.environ)
        return _ACTIVE


def models_kept(private: int, public: int = 1) -> int:
    """How many models of one kind a process keeps loaded (``st.cache_resource``'s
    ``max_entries``): ``public`` in public mode, and while the policy's variables
    are wrong (every load reports them meanwhile), else ``private``."""
    try:
        return public if active().public else private
    except PolicyError:
        return public


def classifiers_kept() -> int:
    """How many classifiers a process keeps loaded: ``Policy.max_models``."""
    try:
        return active().max_models
    except PolicyError:
        return MODELS_KEPT[True]
