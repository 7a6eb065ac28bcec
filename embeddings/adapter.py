"""A linear map over sentence vectors, learned so that texts of the same group come closer.

The sentence model stays frozen; one square matrix, fitted in seconds with in-batch negatives
(each text against the others' partners in its batch), carries what labelled examples teach
about this domain: a real question moves toward the entry that answers it. Fine-tuning the
whole model on the same pairs ranked no better and takes minutes.
"""

from __future__ import annotations

import numpy as np
import torch

from embeddings.index import normalize

BATCH = 64
SCALE = 20.0  # cosines times this are the logits: sharp enough to tell close partners apart


class LinearAdapter:
    """`apply` maps vectors into the learned space, unit length; made by `fitted`."""

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = weights.astype(np.float32)

    @classmethod
    def fitted(
        cls,
        targets: np.ndarray,
        groups: np.ndarray,
        questions: np.ndarray,
        question_groups: np.ndarray,
        *,
        epochs: int,
        rate: float,
        seed: int = 0,
    ) -> LinearAdapter:
        """Learn from every target paired with another of its group, and every question with
        one of its group's targets; a partner is drawn anew each epoch."""
        rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        members = {g: np.flatnonzero(groups == g) for g in np.unique(groups)}
        anchors = np.vstack([targets, questions]).astype(np.float32)
        anchor_groups = np.concatenate([groups, question_groups])
        own = np.concatenate([np.arange(len(targets)), np.full(len(questions), -1)])
        # A target alone in its group has no partner; a question needs one target of its group.
        usable = [
            len(members.get(g, ())) > (r >= 0) for g, r in zip(anchor_groups, own, strict=True)
        ]
        dims = targets.shape[1]
        weights = torch.eye(dims, requires_grad=True)
        optimizer = torch.optim.Adam([weights], lr=rate)
        rows_of = np.flatnonzero(np.array(usable, dtype=bool))
        for _ in range(epochs):
            order = rng.permutation(rows_of)
            for start in range(0, len(order), BATCH):
                batch = _one_per_group(order[start : start + BATCH], anchor_groups)
                if len(batch) < 2:
                    continue
                partners = [_partner(rng, members[anchor_groups[i]], own[i]) for i in batch]
                a = torch.from_numpy(anchors[batch]) @ weights.T
                p = torch.from_numpy(targets[partners].astype(np.float32)) @ weights.T
                a = torch.nn.functional.normalize(a, dim=-1)
                p = torch.nn.functional.normalize(p, dim=-1)
                loss = torch.nn.functional.cross_entropy(a @ p.T * SCALE, torch.arange(len(batch)))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        return cls(weights.detach().numpy())

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        if not len(vectors):
            return vectors
        return normalize(vectors @ self.weights.T).astype(np.float32)


def _one_per_group(rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The rows of a batch less any whose group came earlier in it: two texts of one group in a
    batch would each count the other's partner as a negative."""
    seen: set[int] = set()
    kept = []
    for row in rows:
        group = int(groups[row])
        if group not in seen:
            seen.add(group)
            kept.append(row)
    return np.array(kept, dtype=int)


def _partner(rng: np.random.Generator, members: np.ndarray, own: int) -> int:
    """Another target of the group: not the anchor itself when it is one."""
    choices = members[members != own]
    return int(rng.choice(choices))
