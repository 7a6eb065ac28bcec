"""On-disk embedding cache keyed by model identity and each text's content hash.

One file per model identity: a magic line, a length-prefixed JSON header (identity, dimension,
content hashes, payload checksum), then the float32 payload. Anything that does not check out —
another model, a truncated or corrupt file — is reported and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import struct
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.encoder import Encoder

logger = logging.getLogger(__name__)

MAGIC = b"IMGBOT-EMBEDDINGS 1\n"


class CacheInvalid(Exception):
    """The cache file exists but cannot be trusted."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EmbedStats:
    encoded: int
    reused: int
    rebuilt: bool = False


class EmbeddingCache:
    def __init__(self, directory: Path | str, identity: str) -> None:
        self.identity = identity
        slug = re.sub(r"[^A-Za-z0-9]+", "-", identity)[-40:].strip("-") or "model"
        key = hashlib.sha256(identity.encode()).hexdigest()[:12]
        self.path = Path(directory) / f"{slug}-{key}.emb"

    def read(self) -> dict[str, np.ndarray]:
        """Vectors by content hash; raises CacheInvalid for a file that does not check out."""
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise CacheInvalid(f"unreadable ({exc.strerror or exc})") from None
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 8:
            raise CacheInvalid("not an embedding cache file")
        (size,) = struct.unpack_from("<Q", blob, len(MAGIC))
        start = len(MAGIC) + 8
        try:
            header = json.loads(blob[start : start + size])
            identity, dim, hashes, checksum = (
                header["identity"],
                int(header["dim"]),
                list(header["hashes"]),
                header["sha256"],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CacheInvalid(f"unreadable header ({exc})") from None
        if identity != self.identity:
            raise CacheInvalid(f"made by another model ({identity!r})")
        payload = blob[start + size :]
        if len(payload) != len(hashes) * dim * 4:
            raise CacheInvalid("truncated")
        if hashlib.sha256(payload).hexdigest() != checksum:
            raise CacheInvalid("checksum mismatch")
        matrix = np.frombuffer(payload, dtype="<f4").reshape(len(hashes), dim)
        return dict(zip(hashes, matrix, strict=True))

    def write(self, vectors: dict[str, np.ndarray]) -> None:
        """Replace the file atomically, so a crash mid-write leaves the old file or none."""
        hashes = list(vectors)
        dim = int(next(iter(vectors.values())).shape[0]) if vectors else 0
        matrix = np.stack([vectors[h] for h in hashes]) if hashes else np.zeros((0, dim))
        payload = np.ascontiguousarray(matrix, dtype="<f4").tobytes()
        header = json.dumps(
            {
                "identity": self.identity,
                "dim": dim,
                "hashes": hashes,
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        ).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".emb-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + struct.pack("<Q", len(header)) + header + payload)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def embed(
    encoder: Encoder, texts: Sequence[str], cache: EmbeddingCache | None
) -> tuple[np.ndarray, EmbedStats]:
    """Vectors for `texts` in order, encoding only those the cache does not hold, and leaving
    the cache holding exactly these texts."""
    known: dict[str, np.ndarray] = {}
    rebuilt = False
    if cache is not None:
        try:
            known = cache.read()
        except CacheInvalid as exc:
            logger.warning("embedding cache %s is invalid (%s): rebuilding it", cache.path, exc)
            rebuilt = True
    hashes = [content_hash(t) for t in texts]
    missing = list(dict.fromkeys(h for h in hashes if h not in known))
    if missing:
        first_text = {h: t for h, t in zip(hashes, texts, strict=True)}
        fresh = encoder.encode([first_text[h] for h in missing])
        known.update(zip(missing, np.asarray(fresh, dtype=np.float32), strict=True))
    current = {h: known[h] for h in dict.fromkeys(hashes)}
    if cache is not None and (missing or rebuilt or len(current) != len(known)):
        try:
            cache.write(current)
        except OSError as exc:
            logger.warning("cannot write embedding cache %s: %s", cache.path, exc)
    dim = next(iter(current.values())).shape[0] if current else 0
    matrix = np.stack([current[h] for h in hashes]) if hashes else np.zeros((0, dim), np.float32)
    stats = EmbedStats(
        encoded=len(missing), reused=len(set(hashes)) - len(missing), rebuilt=rebuilt
    )
    return matrix.astype(np.float32, copy=False), stats
