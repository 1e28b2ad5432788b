# SPDX-License-Identifier: BSD-3-Clause
"""Training the generator on a large text costs the codes plus a bounded working set.

The contract: a corpus of N characters costs O(N) memory, held as integer
codes (one byte each for up to 256 symbols). tracemalloc sees every NumPy
allocation, so the peak memory of a fit is measured exactly, from after the
text exists (the caller holds the str anyway). A fit on a 20 MiB text peaks
higher than one on a 2 MiB text by the 18 MiB of extra codes and nothing
more: no second copy of the codes while encoding, no 8-byte-per-token
temporaries, nothing per training window.

An epoch over 20 MiB would take minutes; the work is bounded by interrupting
the fit after a fixed number of batches (the interruption keeps a usable
model). Everything allocated in proportion to the corpus happens before or
at the first batch, and the second test checks that reading more batches
does not grow the peak. About 2 s together.
"""

import gc
import time
import tracemalloc

import numpy as np
import pytest
from _batches import wrap_batches

from skrnn import CharRNNGenerator
from skrnn.datasets import load_shakespeare

MiB = 1 << 20


def _text(n):
    base = load_shakespeare()
    return (base * (n // len(base) + 1))[:n]


def _fit_peak(text, n_batches):
    """(peak, retained, seconds) of a fit stopped after ``n_batches`` batches."""
    est = CharRNNGenerator(hidden_size=16, seq_length=16, max_iter=1, random_state=0)
    calls = []

    def bounded(loss_and_grad, batch, rng):
        calls.append(None)
        if len(calls) > n_batches:
            raise KeyboardInterrupt
        return loss_and_grad(batch, rng)

    wrap_batches(None, est, bounded)
    gc.collect()
    start = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.warns(UserWarning, match="Training interrupted"):
            est.fit(text)
        _, peak = tracemalloc.get_traced_memory()
        del est._task
        gc.collect()
        retained, _ = tracemalloc.get_traced_memory()  # the fitted model
    finally:
        tracemalloc.stop()
    seconds = time.perf_counter() - start
    assert len(calls) == n_batches + 1
    assert est.classes_.size <= 256
    assert np.isfinite(est.predict_proba(["the "])).all()  # a usable model
    return peak, retained, seconds


def test_peak_memory_grows_by_the_codes_only():
    small, big = _text(2 * MiB), _text(20 * MiB)
    peak_small, kept_small, t_small = _fit_peak(small, 5)
    peak_big, kept_big, t_big = _fit_peak(big, 5)
    growth = peak_big - peak_small
    codes = len(big) - len(small)  # one byte per character
    report = (
        f"peak {peak_small / MiB:.2f} MiB (2 MiB text, {t_small:.1f}s) -> "
        f"{peak_big / MiB:.2f} MiB (20 MiB text, {t_big:.1f}s): "
        f"{growth / codes:.3f} bytes per extra character"
    )
    print(report)
    assert 0.97 * codes <= growth <= 1.05 * codes, report
    # the fitted model keeps nothing of the corpus
    assert abs(kept_big - kept_small) < MiB / 4, (kept_small, kept_big)


def test_the_working_set_does_not_grow_with_the_batches_read():
    text = _text(2 * MiB)
    peak_few, _, _ = _fit_peak(text, 5)
    peak_many, _, _ = _fit_peak(text, 40)
    assert abs(peak_many - peak_few) < MiB / 2, (peak_few, peak_many)
