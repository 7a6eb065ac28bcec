"""Test doubles that behave like the real thing, deterministically and without a model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

DIM = 256


class FakeEncoder:
    """Bag of hashed words and character trigrams: similar wording gives similar vectors."""

    def __init__(self, identity: str = "fake-encoder-v1") -> None:
        self._identity = identity
        self.encoded: list[str] = []

    @property
    def identity(self) -> str:
        return self._identity

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, _bucket(word)] += 2.0
                padded = f"#{word}#"
                for i in range(len(padded) - 2):
                    out[row, _bucket(padded[i : i + 3])] += 0.5
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


def _bucket(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little") % DIM
