"""The arrays kernels take and give (``FloatArray``, ``IntArray``), and checking what they are given."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def floats(values: ArrayLike, name: str) -> FloatArray:
    """``values`` as a one-dimensional float array; ValueError naming ``name`` otherwise."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds missing or infinite values")
    return array
