# SPDX-License-Identifier: BSD-3-Clause
"""The memory handler that keeps a training step's large blocks for the next.

``skrnn._engine._recycling`` is a NumPy memory handler (NEP 49) and
:func:`~skrnn._engine.recycling.recycled_memory` the scope where NumPy uses
it. Checked here: a freed large block goes to the next array of about its
size and no other; small blocks are not kept; ``np.zeros`` from a kept block
is zeros; scopes nest, and the last one to close frees what is kept; arrays
outlive their scope; other threads keep their own handler; the bounds on
what is kept; a fit gives the same model with and without it.
"""

import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skrnn import RNNClassifier
from skrnn._engine import recycling
from skrnn._engine.recycling import recycled_memory

# Skips only where the handler cannot exist: NumPy older than 1.22 has no
# memory handlers (NEP 49), and the extension's import fails there with an
# ImportError, not a ModuleNotFoundError (tox's `oldest`, numpy 1.21.2). Every
# other tox env lists skrnn._engine._recycling in SKRNN_TEST_REQUIRE, which
# turns this skip into a failure (tests/conftest.py).
_recycling = pytest.importorskip("skrnn._engine._recycling", exc_type=ImportError)

LARGE = 1 << 20  # float64 elements: 8 MiB


def handler_name(a):
    """The name of the memory handler that allocated ``a``'s data."""
    try:
        from numpy._core.multiarray import get_handler_name
    except ImportError:  # NumPy 1.x (1.22 or later: the module imported)
        from numpy.core.multiarray import get_handler_name
    while a.base is not None:
        a = a.base
    return get_handler_name(a)


def test_a_freed_large_block_goes_to_the_next_array_of_its_size():
    with recycled_memory():
        a = np.ones(LARGE)
        address = a.ctypes.data
        del a
        assert _recycling.kept() == (1, 8 * LARGE)
        b = np.empty(LARGE)
        assert b.ctypes.data == address
        assert _recycling.kept() == (0, 0)
        del b
        # up to twice smaller: the same block; more than twice: not it
        c = np.empty(LARGE // 2)
        assert c.ctypes.data == address
        del c
        d = np.empty(LARGE // 4 - 1)  # freed with LARGE // 2 elements above
        assert d.ctypes.data != address
        assert _recycling.kept()[0] == 1
    assert _recycling.kept() == (0, 0)


def test_small_blocks_are_not_kept():
    with recycled_memory():
        a = np.ones(1000)
        del a
        assert _recycling.kept() == (0, 0)


def test_zeros_from_a_kept_block_are_zeros():
    with recycled_memory():
        a = np.full(LARGE, 7.0)
        address = a.ctypes.data
        del a
        z = np.zeros(LARGE)
        assert z.ctypes.data == address
        assert not z.any()


def test_scopes_nest_and_the_last_one_frees_the_kept_blocks():
    with recycled_memory():
        with recycled_memory():
            a = np.ones(LARGE)
            del a
        assert _recycling.kept() == (1, 8 * LARGE)  # the outer scope is open
        b = np.ones(LARGE)
        del b
        assert _recycling.kept()[0] == 1
    assert _recycling.kept() == (0, 0)


def test_arrays_outlive_their_scope_and_are_freed_as_usual():
    with recycled_memory():
        a = np.arange(LARGE, dtype=np.float64)
        assert handler_name(a) == "skrnn_recycling"
    assert handler_name(np.ones(LARGE)) != "skrnn_recycling"
    assert_array_equal(a[:3], [0, 1, 2])
    a[...] = 1  # still writable memory of its own
    assert a.sum() == LARGE
    del a  # no scope open: given back to malloc, not kept
    assert _recycling.kept() == (0, 0)


def test_the_handler_is_given_back_when_the_block_raises():
    with pytest.raises(KeyError), recycled_memory():
        raise KeyError("inside")
    assert handler_name(np.ones(LARGE)) != "skrnn_recycling"
    assert _recycling.kept() == (0, 0)


def test_other_threads_keep_their_handler():
    names = []

    def other():
        names.append(handler_name(np.ones(LARGE)))

    with recycled_memory():
        assert handler_name(np.ones(LARGE)) == "skrnn_recycling"
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert names and names[0] != "skrnn_recycling"


def test_kept_blocks_are_bounded_in_number():
    with recycled_memory():
        arrays = [np.empty(LARGE // 8 + i) for i in range(100)]
        while arrays:  # freed in the order they were made
            del arrays[0]
        n, nbytes = _recycling.kept()
        assert n == 64  # the slots; the oldest were freed
        assert nbytes == sum(8 * (LARGE // 8 + i) for i in range(36, 100))


def test_a_fit_is_the_same_with_and_without_it(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 40, 3))
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    params = dict(hidden_size=64, max_iter=3, batch_size=16, random_state=0)
    with_handler = RNNClassifier(cell="lstm", **params).fit(X, y)
    monkeypatch.setattr(recycling, "_recycling", None)
    without = RNNClassifier(cell="lstm", **params).fit(X, y)
    assert_array_equal(with_handler.loss_curve_, without.loss_curve_)
    assert_array_equal(with_handler.predict_proba(X), without.predict_proba(X))


def test_available():
    assert recycling.recycling_available()
