import numpy as np
import pytest

from embeddings.cache import EmbeddingCache, embed
from tests.fakes import FakeEncoder

TEXTS = ["how do I apply", "what does it cost", "visa questions"]


@pytest.fixture
def cache(tmp_path):
    return EmbeddingCache(tmp_path, "fake-encoder-v1")


def test_unchanged_texts_are_never_re_encoded(cache):
    first = FakeEncoder()
    vectors, stats = embed(first, TEXTS, cache)
    assert (stats.encoded, stats.reused) == (3, 0)
    second = FakeEncoder()
    again, stats = embed(second, TEXTS, cache)
    assert (stats.encoded, stats.reused) == (3 - 3, 3)
    assert second.encoded == []
    assert np.array_equal(vectors, again)


def test_only_changed_texts_are_encoded(cache):
    embed(FakeEncoder(), TEXTS, cache)
    encoder = FakeEncoder()
    _, stats = embed(encoder, [*TEXTS[:2], "a new question"], cache)
    assert encoder.encoded == ["a new question"]
    assert (stats.encoded, stats.reused) == (1, 2)


def test_duplicate_texts_are_encoded_once(cache):
    encoder = FakeEncoder()
    vectors, stats = embed(encoder, ["same", "same"], cache)
    assert encoder.encoded == ["same"] and stats.encoded == 1
    assert np.array_equal(vectors[0], vectors[1])


def test_cache_of_another_model_is_rebuilt(tmp_path):
    embed(FakeEncoder("model-a"), TEXTS, EmbeddingCache(tmp_path, "model-a"))
    path_a = EmbeddingCache(tmp_path, "model-a").path
    other = EmbeddingCache(tmp_path, "model-b")
    assert other.path != path_a
    other.path.write_bytes(path_a.read_bytes())  # a file claiming to be model-b's, but is not
    encoder = FakeEncoder("model-b")
    _, stats = embed(encoder, TEXTS, other)
    assert stats.rebuilt and stats.encoded == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b[:-4] + bytes(4 * [0x7F]),  # payload changed: checksum
        lambda b: b"not a cache at all",
        lambda b: b[:20] + b"\xff" * 8 + b[28:],  # header length nonsense
        lambda b: b"",
    ],
)
def test_damaged_cache_is_detected_and_rebuilt(cache, damage, caplog):
    embed(FakeEncoder(), TEXTS, cache)
    cache.path.write_bytes(damage(cache.path.read_bytes()))
    encoder = FakeEncoder()
    vectors, stats = embed(encoder, TEXTS, cache)
    assert stats.rebuilt and stats.encoded == 3
    assert "rebuilding" in caplog.text
    assert np.array_equal(vectors, FakeEncoder().encode(TEXTS))
    _, stats = embed(FakeEncoder(), TEXTS, cache)  # and the rebuilt file is good again
    assert (stats.encoded, stats.rebuilt) == (0, False)


def test_stale_entries_are_pruned(cache):
    embed(FakeEncoder(), TEXTS, cache)
    embed(FakeEncoder(), TEXTS[:1], cache)
    assert len(cache.read()) == 1


def test_unwritable_cache_directory_still_embeds(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    vectors, stats = embed(FakeEncoder(), TEXTS, EmbeddingCache(blocker / "sub", "fake"))
    assert vectors.shape == (3, 256) and stats.encoded == 3
