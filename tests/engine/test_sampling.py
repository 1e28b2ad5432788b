# SPDX-License-Identifier: BSD-3-Clause
"""Drawing the next token: greedy, temperature, top-k and nucleus (top-p)."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import stats

from skrnn._engine.sampling import sample_next

N_DRAWS = 20_000


def _draws(logits_row, n=N_DRAWS, seed=0, **kwargs):
    """``n`` draws from one distribution, as one batch of identical rows."""
    logits = np.tile(np.asarray(logits_row, dtype=np.float64), (n, 1))
    return sample_next(logits, np.random.default_rng(seed), **kwargs)


def _frequencies(draws, n_tokens):
    return np.bincount(draws, minlength=n_tokens) / len(draws)


def _assert_matches(draws, p):
    """Chi-square goodness of fit at the 0.1% level (the seeds are fixed)."""
    p = np.asarray(p, dtype=np.float64)
    counts = np.bincount(draws, minlength=len(p))
    assert counts[p == 0].sum() == 0, "a token of probability 0 was drawn"
    live = p > 0
    if live.sum() == 1:
        return
    expected = p[live] * len(draws)
    chi2 = ((counts[live] - expected) ** 2 / expected).sum()
    assert chi2 < stats.chi2.ppf(0.999, live.sum() - 1), (counts, expected)


def _entropy(draws, n_tokens):
    f = _frequencies(draws, n_tokens)
    f = f[f > 0]
    return -(f * np.log(f)).sum()


P4 = np.array([0.5, 0.3, 0.15, 0.05])


def test_greedy_is_the_argmax_of_each_row_and_draws_nothing():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((50, 7)).astype(np.float32)
    state = rng.bit_generator.state
    choice = sample_next(logits, rng, temperature=0)
    assert_array_equal(choice, logits.argmax(axis=1))
    assert rng.bit_generator.state == state
    # top_k and top_p do not change the argmax
    assert_array_equal(
        sample_next(logits, rng, temperature=0, top_k=3, top_p=0.5), choice
    )


def test_the_logits_are_not_modified():
    logits = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    before = logits.copy()
    sample_next(logits, np.random.default_rng(0), temperature=0.7, top_k=3, top_p=0.6)
    assert_array_equal(logits, before)


def test_draws_follow_the_softmax_of_the_logits():
    logits = np.log(P4) + 3.0  # a constant shift changes nothing
    _assert_matches(_draws(logits), P4)


def test_each_row_draws_from_its_own_distribution():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    logits = np.log(np.tile(p, (N_DRAWS // 2, 1)))  # rows alternate
    draws = sample_next(logits, np.random.default_rng(3))
    _assert_matches(draws[0::2], p[0])
    _assert_matches(draws[1::2], p[1])


def test_temperature_divides_the_logits():
    T = 0.5
    p = P4 ** (1 / T)
    _assert_matches(_draws(np.log(P4), temperature=T), p / p.sum())


def test_higher_temperature_gives_more_varied_samples():
    logits = np.log(P4)
    entropies = [
        _entropy(_draws(logits, temperature=T), 4) for T in (0.25, 0.5, 1.0, 2.0, 8.0)
    ]
    assert np.all(np.diff(entropies) > 0), entropies
    assert entropies[-1] > 0.95 * np.log(4)  # near uniform


@pytest.mark.parametrize("temperature", [1e-30, 1e-300, 1e-320])
def test_a_tiny_temperature_is_greedy(temperature):
    logits = np.array([[1.0, 2.0, 3.0], [50.0, -50.0, 0.0], [0.0, 0.0, 1e-3]])
    choice = sample_next(logits, np.random.default_rng(0), temperature=temperature)
    assert_array_equal(choice, [2, 0, 2])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_never_leaves_the_k_best(k):
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((N_DRAWS, 9))
    draws = sample_next(logits, np.random.default_rng(5), temperature=3.0, top_k=k)
    rank = (logits > logits[np.arange(N_DRAWS), draws][:, None]).sum(axis=1)
    assert rank.max() == k - 1  # every allowed rank is drawn, none beyond


def test_top_k_renormalises_over_the_k_best():
    _assert_matches(_draws(np.log(P4), top_k=2), [0.625, 0.375, 0, 0])


def test_top_k_one_is_greedy_and_top_k_of_all_changes_nothing():
    rng = np.random.default_rng(6)
    logits = rng.standard_normal((200, 5))
    assert_array_equal(
        sample_next(logits, np.random.default_rng(0), top_k=1), logits.argmax(1)
    )
    for k in (5, 50):
        assert_array_equal(
            sample_next(logits, np.random.default_rng(7), top_k=k),
            sample_next(logits, np.random.default_rng(7)),
        )


@pytest.mark.parametrize(
    "top_p, nucleus",
    [
        (0.01, [0]),  # the best token always stays
        (0.5, [0]),  # 0.5 reached by the best token alone
        (0.51, [0, 1]),
        (0.8, [0, 1]),  # 0.5 + 0.3 reaches 0.8: the third is not needed
        (0.81, [0, 1, 2]),
        (0.96, [0, 1, 2, 3]),
    ],
)
def test_top_p_keeps_the_smallest_nucleus(top_p, nucleus):
    order = np.array([2, 0, 3, 1])  # the tokens are not in order of probability
    p = np.empty(4)
    p[order] = P4
    draws = _draws(np.log(p), top_p=top_p)
    expected = np.zeros(4)
    expected[order[nucleus]] = P4[nucleus] / P4[nucleus].sum()
    _assert_matches(draws, expected)
    assert set(np.unique(draws)) == set(order[nucleus])


def test_top_p_one_changes_nothing_and_a_tiny_top_p_is_greedy():
    rng = np.random.default_rng(8)
    logits = rng.standard_normal((300, 6))
    assert_array_equal(
        sample_next(logits, np.random.default_rng(1), top_p=1.0),
        sample_next(logits, np.random.default_rng(1)),
    )
    assert_array_equal(
        sample_next(logits, np.random.default_rng(1), top_p=1e-9), logits.argmax(1)
    )


def test_top_k_and_top_p_together():
    # top_k=3 leaves 0.5, 0.3, 0.15 (renormalised 0.526, 0.316, 0.158); a
    # nucleus of 0.8 then keeps the first two.
    _assert_matches(_draws(np.log(P4), top_k=3, top_p=0.8), [0.625, 0.375, 0, 0])


def test_temperature_applies_before_top_p():
    # At T=0.5 the probabilities are 0.70, 0.25, 0.06, 0.01: a nucleus of 0.9
    # keeps two tokens, where at T=1 it would keep three.
    q = P4**2 / (P4**2).sum()
    draws = _draws(np.log(P4), temperature=0.5, top_p=0.9)
    _assert_matches(draws, np.r_[q[:2] / q[:2].sum(), 0, 0])


class _FixedUniform:
    """An rng whose draws are all ``value`` (the ends of [0, 1))."""

    def __init__(self, value):
        self.value = value

    def random(self, n):
        return np.full(n, self.value)


@pytest.mark.parametrize("u", [0.0, np.nextafter(1.0, 0.0)])
def test_a_token_of_probability_zero_is_never_drawn_even_at_the_ends(u):
    logits = np.array([[1.0, 3.0, 2.0, 0.5], [0.0, 2.0, 2.5, -1.0]])
    allowed = [{1, 2}, {1, 2}]
    for kwargs in ({"top_k": 2}, {"top_p": 0.6}, {"top_k": 1}):
        choice = sample_next(logits, _FixedUniform(u), **kwargs)
        for row, c in enumerate(choice):
            assert c in allowed[row], (kwargs, u, choice)
    # a token whose probability underflows to 0 is never drawn either
    logits = np.array([[-2000.0, 0.0, -2000.0]])
    for u in (0.0, np.nextafter(1.0, 0.0)):
        assert sample_next(logits, _FixedUniform(u))[0] == 1


def test_same_generator_state_same_draws():
    logits = np.random.default_rng(9).standard_normal((100, 8))
    a = sample_next(logits, np.random.default_rng(42), temperature=1.3, top_p=0.9)
    b = sample_next(logits, np.random.default_rng(42), temperature=1.3, top_p=0.9)
    c = sample_next(logits, np.random.default_rng(43), temperature=1.3, top_p=0.9)
    assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (100,) and np.issubdtype(a.dtype, np.integer)
