# SPDX-License-Identifier: BSD-3-Clause
"""The BLAS threads of the time loop's small products (``loop_threads``).

Checked here: products outside the window leave the threads alone; the
tuner alternates the settings, chooses the faster, keeps the choice for
``RETUNE`` loops and then measures again; one BLAS thread while a loop
holds it, restored after the last of nested holders; and a training step
gives the same bits whichever setting its loops ran with.
"""

import contextlib

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skrnn._blas_threads  # noqa: F401 (installs the limiter, as fit does)
import skrnn._engine.loop_threads as loop_threads
from skrnn._engine import RecurrentNetwork, layers, pack_array
from skrnn._engine.loop_threads import RETUNE, TRIALS, _Tuner

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads():
    return [
        info["num_threads"]
        for info in threadpoolctl.threadpool_info()
        if info["user_api"] == "blas"
    ]


@pytest.fixture
def two_blas_threads():
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        loop_threads._tuners.clear()
        yield
        loop_threads._tuners.clear()


def test_without_a_limiter_loops_leave_the_threads_alone(monkeypatch):
    monkeypatch.setattr(loop_threads, "_limit_to_one", None)
    context = loop_threads.loop_threads("forward", 64, 64, 256, 10)
    assert isinstance(context, contextlib.nullcontext)


def test_products_outside_the_window_leave_the_threads_alone(two_blas_threads):
    # 64 x 64 x 64 = 262,144: OpenBLAS's own one-thread bound; 64 x 256 x 1024:
    # above the window
    for shape in [(64, 64, 64), (64, 256, 1024)]:
        context = loop_threads.loop_threads("forward", *shape, 10)
        assert isinstance(context, contextlib.nullcontext)
    assert not loop_threads._tuners


def test_the_tuner_alternates_chooses_the_faster_and_measures_again():
    tuner = _Tuner()
    seen = []
    for _ in range(2 * TRIALS):
        setting = tuner.setting()
        seen.append(setting)
        tuner.record(setting, 1.0 if setting == "one" else 2.0)
    assert seen == ["one", "all"] * TRIALS
    assert tuner.choice == "one"
    for _ in range(RETUNE - 1):
        assert tuner.setting() == "one"
        tuner.record("one", 5.0)  # not measured while the choice holds
    assert tuner.choice == "one"
    tuner.record("one", 5.0)
    assert tuner.choice is None  # measuring again
    for _ in range(2 * TRIALS):
        setting = tuner.setting()
        tuner.record(setting, 3.0 if setting == "one" else 2.0)
    assert tuner.choice == "all"


def test_one_thread_while_held_and_restored_after_the_last(two_blas_threads):
    if not blas_threads():
        pytest.skip("no BLAS library that threadpoolctl controls")
    with loop_threads._one_blas_thread():
        assert set(blas_threads()) == {1}
        with loop_threads._one_blas_thread():
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}
    assert set(blas_threads()) == {2}


def test_a_measured_loop_runs_its_setting(two_blas_threads):
    if not blas_threads():
        pytest.skip("no BLAS library that threadpoolctl controls")
    context = loop_threads.loop_threads("forward", 64, 64, 256, 5)
    with context:  # the first loop runs on one thread
        assert set(blas_threads()) == {1}
    assert set(blas_threads()) == {2}
    with loop_threads.loop_threads("forward", 64, 64, 256, 5):
        assert set(blas_threads()) == {2}
    (tuner,) = loop_threads._tuners.values()
    assert len(tuner.times["one"]) == len(tuner.times["all"]) == 1


class _Forced:
    def __init__(self, setting):
        self.choice = setting

    def setting(self):
        return self.choice

    def record(self, setting, seconds):
        pass


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_training_step_has_the_same_bits_on_one_thread_or_all(
    cell, two_blas_threads, monkeypatch
):
    net = RecurrentNetwork(
        cell, 30, 64, 30, head="all", token_input=True, dtype=np.float32
    )
    params = net.init_params(np.random.default_rng(0))
    rng = np.random.default_rng(1)
    x, packing = pack_array(rng.integers(0, 30, (64, 20)))
    y, _ = pack_array(rng.integers(0, 30, (64, 20)))
    results = {}
    for setting in ("one", "all"):

        def forced(kind, n_rows, inner, width, n_steps, setting=setting):
            return loop_threads._measured(_Forced(setting), n_steps)

        monkeypatch.setattr(layers, "loop_threads", forced)
        loss, grads, _, _ = net.loss_and_grad(
            params, x, packing, y, loss="cross_entropy"
        )
        results[setting] = (loss, grads.copy())
    assert results["one"][0] == results["all"][0]
    assert_array_equal(results["one"][1], results["all"][1])
