"""Near-identical texts: copy-paste campaigns and resent messages (issue «Triage», item 7).

MinHash over character 5-grams of the normalised text estimates the Jaccard similarity of two
texts; locality-sensitive hashing (bands of the signature) finds the candidate pairs without
comparing every pair, and a candidate joins a group when its estimated similarity is at least
`threshold`. Groups are kept with union-find, so a campaign whose members each resemble the
first joins into one group even if two of them differ more.

Words are not lemmatised here on purpose: a campaign is the same letter with a different
signature or flat number, not the same topic in other words (that is the topic model's job).
"""

import re
import zlib
from dataclasses import dataclass, field

import numpy as np

SHINGLE = 5
PERMUTATIONS = 64
BANDS = 16  # 16 bands × 4 rows: pairs at Jaccard ≥ 0.8 meet in a band with p > 0.99
ROWS = PERMUTATIONS // BANDS
# A bucket keeps its first members only: a campaign of thousands still meets its earliest
# letters in it, and adding stays linear.
BUCKET_CAP = 50
_PRIME = (1 << 61) - 1
_MASK = (1 << 32) - 1
_rng = np.random.default_rng(20261123)  # fixed: signatures must be stable between runs
# a, b < 2^31 and 32-bit shingle hashes: a·x + b < 2^64, so the arithmetic never wraps.
_A = _rng.integers(1, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
_SPACE = re.compile(r"\s+")
_NOISE = re.compile(r"[^\w\s]")


def normalise(text: str) -> str:
    text = text.lower().replace("ё", "е")
    return _SPACE.sub(" ", _NOISE.sub(" ", text)).strip()


def signature(text: str) -> np.ndarray:
    """The MinHash signature of a text (PERMUTATIONS unsigned 32-bit values)."""
    norm = normalise(text)
    if len(norm) < SHINGLE:
        norm = norm.ljust(SHINGLE)
    hashes = np.fromiter(
        {zlib.crc32(norm[i : i + SHINGLE].encode()) for i in range(len(norm) - SHINGLE + 1)},
        dtype=np.uint64,
    )
    # (a·x + b) mod p, truncated to 32 bits, minimised over the shingles, per permutation.
    mixed = (np.outer(_A, hashes) + _B[:, None]) % np.uint64(_PRIME) & np.uint64(_MASK)
    result: np.ndarray = mixed.min(axis=1).astype(np.uint32)
    return result


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.count_nonzero(first == second)) / PERMUTATIONS


@dataclass
class DuplicateIndex:
    """Texts added one by one; each gets the group of the earlier texts it nearly repeats."""

    threshold: float = 0.8
    _signatures: list[np.ndarray] = field(default_factory=list)
    _buckets: dict[tuple[int, bytes], list[int]] = field(default_factory=dict)
    _parent: list[int] = field(default_factory=list)

    def add(self, text: str) -> int:
        """Add a text; returns its position. `group(position)` is then its group."""
        return self.add_signature(signature(text))

    def add_signature(self, sig: np.ndarray) -> int:
        """Add a text by its signature (one stored earlier)."""
        me = len(self._signatures)
        self._signatures.append(sig)
        self._parent.append(me)
        seen: set[int] = set()
        for band in range(BANDS):
            key = (band, sig[band * ROWS : (band + 1) * ROWS].tobytes())
            members = self._buckets.setdefault(key, [])
            for other in members:
                if other in seen:
                    continue
                seen.add(other)
                if self.group(other) == self.group(me):
                    continue  # already joined through another member of its group
                if similarity(sig, self._signatures[other]) >= self.threshold:
                    self._union(other, me)
            if len(members) < BUCKET_CAP:
                members.append(me)
        return me

    def group(self, position: int) -> int:
        """The group of a text: the position of the earliest text of its group."""
        root = position
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[position] != root:  # path compression
            self._parent[position], position = root, self._parent[position]
        return root

    def _union(self, first: int, second: int) -> None:
        a, b = self.group(first), self.group(second)
        if a != b:
            self._parent[max(a, b)] = min(a, b)
