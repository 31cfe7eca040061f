"""The topic model as plain arrays, and its file: a compressed `.npz` read without pickle.

The same bytes are a file on disk (the shipped model) or a `TrainedModel` row in the
database (the versions `veche train` makes): `to_bytes` / `from_bytes`.

A head is a linear classifier (one weight row per label) whose decision scores become
probabilities through a softmax with a fitted temperature. Weights are pruned to the
largest ones and stored as int8 with one scale per label; column indices are stored as
gaps within each row, which zlib compresses well. Nothing in the file is executable, so
loading a model from disk cannot run code (`np.load(..., allow_pickle=False)`).
"""

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from veche.triage.features import FeatureSpace

FORMAT = 1
HEADS = ("category", "reason")


@dataclass(frozen=True)
class LinearHead:
    labels: tuple[str, ...]
    weights: sparse.csr_matrix  # labels × features
    intercept: np.ndarray
    temperature: float = 1.0

    def scores(self, features: sparse.csr_matrix) -> np.ndarray:
        product = features @ self.weights.T
        scores: np.ndarray = np.asarray(product.todense(), dtype=np.float64) + self.intercept
        return scores

    def probabilities(self, features: sparse.csr_matrix) -> np.ndarray:
        return softmax(self.scores(features) / self.temperature)

    def compact(self, *, keep: int) -> "LinearHead":
        """The `keep` largest weights of the head, int8 with one scale per label."""
        weights = sparse.csr_matrix(self.weights, dtype=np.float32)
        if weights.nnz > keep:
            threshold = np.partition(np.abs(weights.data), -keep)[-keep]
            weights.data[np.abs(weights.data) < threshold] = 0
            weights.eliminate_zeros()
        data, scale = _quantize(weights)
        weights = sparse.csr_matrix(
            (data * np.repeat(scale, np.diff(weights.indptr)), weights.indices, weights.indptr),
            shape=weights.shape,
        )
        return LinearHead(self.labels, weights, self.intercept.astype(np.float32), self.temperature)


@dataclass(frozen=True)
class TopicModel:
    space: FeatureSpace
    category: LinearHead
    reason: LinearHead
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    def save(self, path: Path) -> None:
        path.write_bytes(self.to_bytes())

    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {
            "columns": _gaps(self.space.columns, np.array([0, len(self.space.columns)])),
            "idf": self.space.idf.astype(np.float16),
        }
        temperatures = {}
        for name in HEADS:
            head: LinearHead = getattr(self, name)
            weights = sparse.csr_matrix(head.weights)
            weights.sort_indices()
            data, scale = _quantize(weights)
            arrays |= {
                f"{name}.labels": np.array(head.labels),
                f"{name}.data": np.rint(data).astype(np.int8),
                f"{name}.indices": _gaps(weights.indices, weights.indptr),
                f"{name}.indptr": weights.indptr.astype(np.int32),
                f"{name}.scale": scale,
                f"{name}.intercept": head.intercept.astype(np.float32),
                f"{name}.shape": np.array(weights.shape, dtype=np.int64),
            }
            temperatures[name] = head.temperature
        meta = self.meta | {"format": FORMAT, "temperatures": temperatures}
        arrays["meta"] = np.array(json.dumps(meta, ensure_ascii=False))
        out = io.BytesIO()
        np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
        return out.getvalue()

    @classmethod
    def load(cls, path: Path) -> "TopicModel":
        try:
            return cls.from_bytes(path.read_bytes())
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None

    @classmethod
    def from_bytes(cls, data: bytes) -> "TopicModel":
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            if meta.get("format") != FORMAT:
                raise ValueError(f"model format {meta.get('format')}, expected {FORMAT}")
            columns = _ungap(f["columns"], np.array([0, len(f["columns"])]))
            space = FeatureSpace(columns, f["idf"].astype(np.float32))
            heads = {name: _load_head(f, name, meta["temperatures"][name]) for name in HEADS}
        return cls(space, heads["category"], heads["reason"], meta)

    def with_meta(self, **changes: Any) -> "TopicModel":
        return TopicModel(self.space, self.category, self.reason, self.meta | changes)


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def _load_head(f: Any, name: str, temperature: float) -> LinearHead:
    indptr = f[f"{name}.indptr"]
    values = f[f"{name}.data"].astype(np.float32) * np.repeat(f[f"{name}.scale"], np.diff(indptr))
    indices = _ungap(f[f"{name}.indices"], indptr)
    shape = tuple(int(x) for x in f[f"{name}.shape"])
    weights = sparse.csr_matrix((values, indices, indptr), shape=shape)
    labels = tuple(str(x) for x in f[f"{name}.labels"])
    return LinearHead(labels, weights, f[f"{name}.intercept"], float(temperature))


def _quantize(weights: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Values in units of their row's scale (|value| ≤ 127), and the scales."""
    n = weights.shape[0]
    rows = np.repeat(np.arange(n), np.diff(weights.indptr))
    peak = np.zeros(n, dtype=np.float32)
    np.maximum.at(peak, rows, np.abs(weights.data))
    scale = (np.where(peak > 0, peak, 1) / 127).astype(np.float32)
    return np.rint(weights.data / scale[rows]), scale


def _gaps(indices: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Sorted column indices as differences within each row (the first one absolute)."""
    gaps = np.diff(indices.astype(np.int64), prepend=0)
    starts = indptr[:-1][np.diff(indptr) > 0]
    gaps[starts] = indices[starts]
    return gaps.astype(np.int32)


def _ungap(gaps: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    indices = np.cumsum(gaps.astype(np.int64))
    starts = indptr[:-1][np.diff(indptr) > 0]
    lengths = np.diff(indptr)[np.diff(indptr) > 0]
    # The running sum crossed row borders: take away what the rows before it added.
    before = np.concatenate([[0], indices[starts[1:] - 1]])
    result: np.ndarray = (indices - np.repeat(before, lengths)).astype(np.int32)
    return result
