# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end: the engine and its optimizers learn small sequence tasks."""

import numpy as np
import pytest

from skrnn._engine import (
    AdamOptimizer,
    RecurrentNetwork,
    SGDOptimizer,
    clip_grad_norm,
    pack_array,
    pack_sequences,
)


def _train(net, params, optimizer, batches, loss, max_norm=5.0):
    losses = []
    for x, packing, y in batches:
        value, grads, _, _ = net.loss_and_grad(params, x, packing, y, loss=loss)
        clip_grad_norm(grads, max_norm)
        optimizer.update_params(params, grads)
        losses.append(value)
    return losses


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_learns_to_echo_tokens_two_steps_back(cell):
    """Many-to-many on tokens: output at step t is the input at step t-2."""
    rng = np.random.default_rng(0)
    vocab, T, B = 4, 12, 32
    net = RecurrentNetwork(cell, vocab, 24, vocab, head="all", token_input=True)
    params = net.init_params(rng)
    opt = AdamOptimizer(params, learning_rate_init=0.02)

    def batch():
        codes = rng.integers(0, vocab, size=(B, T))
        target = np.zeros_like(codes)
        target[:, 2:] = codes[:, :-2]
        x, packing = pack_array(codes)
        y, _ = pack_array(target)
        return x, packing, y

    losses = _train(net, params, opt, (batch() for _ in range(250)), "cross_entropy")
    assert losses[0] > 1.2  # about ln(4) at the start
    assert np.mean(losses[-10:]) < 0.1


def test_learns_to_count_variable_length_sequences():
    """Many-to-one regression on variable lengths: the fraction of ones."""
    rng = np.random.default_rng(1)
    net = RecurrentNetwork("gru", 1, 16, 1, head="last")
    params = net.init_params(rng)
    opt = AdamOptimizer(params, learning_rate_init=0.01)

    def batch():
        seqs = [
            rng.integers(0, 2, size=(n, 1)).astype(np.float32)
            for n in rng.integers(3, 15, size=32)
        ]
        y = np.array([[s.mean()] for s in seqs], dtype=np.float32)
        x, packing = pack_sequences(seqs)
        return x, packing, y

    losses = _train(net, params, opt, (batch() for _ in range(300)), "squared_error")
    assert np.mean(losses[-20:]) < 0.002
    assert np.mean(losses[-20:]) < np.mean(losses[:20]) / 10


def test_sgd_with_nesterov_learns_a_vanilla_rnn():
    """Many-to-one classification: is the first element of the sequence > 0?"""
    rng = np.random.default_rng(2)
    net = RecurrentNetwork("rnn", 1, 16, 2, head="last", dtype=np.float64)
    params = net.init_params(rng)
    opt = SGDOptimizer(params, learning_rate_init=0.1, momentum=0.9, nesterov=True)

    def batch():
        X = rng.standard_normal((32, 6, 1))
        y = (X[:, 0, 0] > 0).astype(int)
        x, packing = pack_array(X)
        return x, packing, y

    # Clipped at a norm of 1: at 5, momentum 0.9 made the trajectory chaotic,
    # and rounding alone (numpy 2.5's against 2.4's, the compiled kernels'
    # tanh against NumPy's) moved this seed's held-out accuracy between 0.93
    # and 0.98. At 1, seeds 2 to 7 on both engines and both NumPy versions
    # reach 0.971 to 0.977, with a mean loss of at most 0.07 over the last
    # 50 batches.
    batches = (batch() for _ in range(300))
    losses = _train(net, params, opt, batches, "cross_entropy", max_norm=1.0)
    # Judged on held-out sequences, and on the mean of many mini-batch
    # losses: with momentum 0.9 single batches spike.
    X_test = np.random.default_rng(99).standard_normal((2000, 6, 1))
    x, packing = pack_array(X_test)
    predicted = net.forward(params, x, packing)[0].argmax(axis=1) == 1
    assert np.mean(predicted == (X_test[:, 0, 0] > 0)) > 0.93  # chance: 0.5
    assert np.mean(losses[-50:]) < 0.25 < 0.6 < losses[0]  # from about ln 2
