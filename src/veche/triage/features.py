"""Text → TF-IDF features: hashed lemma word 1–2-grams and hashed character 2–5-grams.

Hashing keeps no vocabulary, so the shipped artifact stores only the columns seen in
training (`FeatureSpace.columns`) and their idf. Word n-grams are built on lemmas
(«сломаны качели» and «сломана качель» meet), character n-grams on the lower-cased raw
text (they catch spelling slips and word parts the dictionary does not know). Each block is
L2-normalised on its own, so a long text's many character n-grams do not drown its words.
"""

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from veche.triage.lemmas import lemmatize

BLOCK = 2**20  # hashed columns per block: words first, then characters
MAX_CHARS = 3000  # a rare very long text is cut: its head names the problem
LEMMA = r"\S+"  # lemmatize() already split the words and joined them with spaces

_WORDS = HashingVectorizer(
    token_pattern=LEMMA,
    lowercase=False,
    ngram_range=(1, 2),
    n_features=BLOCK,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)
_CHARS = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(2, 5),
    n_features=BLOCK,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)


def hashed_counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Term counts, one row per text, 2 × BLOCK columns."""
    texts = [t[:MAX_CHARS] for t in texts]
    words = _WORDS.transform([lemmatize(t) for t in texts])
    chars = _CHARS.transform(texts)
    return sparse.hstack([words, chars], format="csr")


class FeatureSpace:
    """The hashed columns a model knows, with their idf; maps counts onto them."""

    def __init__(self, columns: np.ndarray, idf: np.ndarray) -> None:
        self.columns = columns.astype(np.int32)
        self.idf = idf.astype(np.float32)
        self.n_word = int(np.searchsorted(self.columns, BLOCK))
        self._lookup = np.full(2 * BLOCK, -1, dtype=np.int32)
        self._lookup[self.columns] = np.arange(len(self.columns), dtype=np.int32)

    @classmethod
    def fit(cls, counts: sparse.csr_matrix, *, min_df: int = 2) -> "FeatureSpace":
        """Columns present in at least `min_df` texts; smooth idf as scikit-learn's."""
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        columns = np.flatnonzero(df >= min_df)
        idf = np.log((1 + counts.shape[0]) / (1 + df[columns])) + 1
        return cls(columns, idf)

    @property
    def size(self) -> int:
        return len(self.columns)

    def transform(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sublinear tf × idf over the known columns, each block scaled to unit length."""
        n = counts.shape[0]
        rows = np.repeat(np.arange(n), np.diff(counts.indptr))
        columns = self._lookup[counts.indices]
        known = columns >= 0
        rows, columns = rows[known], columns[known]
        values = (1 + np.log(counts.data[known])) * self.idf[columns]
        is_word = columns < self.n_word
        squares = values * values
        word_norm = np.sqrt(np.bincount(rows, weights=squares * is_word, minlength=n))
        char_norm = np.sqrt(np.bincount(rows, weights=squares * ~is_word, minlength=n))
        norm = np.where(is_word, word_norm[rows], char_norm[rows])
        values = (values / np.maximum(norm, 1e-12)).astype(np.float32)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        return sparse.csr_matrix((values, columns, indptr), shape=(n, self.size))
