# SPDX-License-Identifier: BSD-3-Clause
"""The encoder-decoder and attention: finite differences, layout, masking.

Gradient checks in float64 of :class:`~skrnn._engine.seq2seq.Seq2SeqNetwork`'s
teacher-forced loss with respect to every parameter tensor (the encoder's and
the decoder's tensors one by one), for every cell x attention (none, dot,
general, additive) x uni/bidirectional encoder x 1 and 2 layers x token and
dense sources, the vector-to-sequence form, input feeding for every cell x
score, and each dropout with and without feeding; and of
:class:`~skrnn._engine.attention.Attention` alone with respect to its
queries and memory.
"""

import itertools

import numpy as np
import pytest

from skrnn._engine.attention import SCORES, Attention
from skrnn._engine.gradcheck import numerical_gradient, relative_error, sample_indices
from skrnn._engine.packing import pack_sequences, unpack_sequences
from skrnn._engine.params import ParamLayout
from skrnn._engine.seq2seq import END, START, Seq2SeqNetwork, teacher_forcing

TOL = 1e-6
MAX_COORDS = 12  # sampled coordinates per parameter tensor
# The loss is about 2 and some tensors' gradients about 1e-6 (the attention's
# W_a at initialisation). A second-order difference loses those to rounding
# at small steps and to truncation at large ones: its best, at 1e-4, was
# 1.1e-6 relative on the additive LSTM case where the analytic gradient is
# right to 1e-12. The fourth-order stencil with steps of 1e-3 gives at most
# 1e-7 over the grid.
EPS = 1e-3
ORDER = 4
N_TARGETS, N_SOURCE_CODES, N_FEATURES, HIDDEN = 6, 5, 3, 4
SOURCE_LENGTHS = (3, 5, 1, 4)
TARGET_LENGTHS = (2, 0, 4, 3)  # an empty target is one END step


def _batch(rng, token_input, vector_input):
    """Sources (packed, with their layout) and teacher-forcing targets."""
    if vector_input:
        x, packing = rng.standard_normal((len(SOURCE_LENGTHS), N_FEATURES)), None
    elif token_input:
        sources = [rng.integers(0, N_SOURCE_CODES, n) for n in SOURCE_LENGTHS]
        x, packing = pack_sequences(sources, dtype=np.intp)
    else:
        sources = [rng.standard_normal((n, N_FEATURES)) for n in SOURCE_LENGTHS]
        x, packing = pack_sequences(sources)
    targets = [rng.integers(1, N_TARGETS, n) for n in TARGET_LENGTHS]
    return x, packing, teacher_forcing(targets)


def _network(cell, attention, bidirectional, num_layers, source, **options):
    n_inputs = N_SOURCE_CODES if source == "tokens" else N_FEATURES
    return Seq2SeqNetwork(
        cell,
        n_inputs,
        HIDDEN,
        N_TARGETS,
        num_layers=num_layers,
        bidirectional=bidirectional,
        attention=attention,
        attention_size=3,
        vector_input=source == "vector",
        token_input=source == "tokens",
        dtype=np.float64,
        **options,
    )


def _tensor_views(net, flat):
    """Views of every parameter tensor, the sub-networks' one by one."""
    views = net.layout.views(flat)
    tensors = {}
    for name, view in views.items():
        network = getattr(net, name, None) if name in ("encoder", "decoder") else None
        if network is None:
            tensors[name] = view
        else:
            for sub_name, sub_view in network.layout.views(view).items():
                tensors[f"{name}.{sub_name}"] = sub_view
    return tensors


def _check(net, seed=0, dropout_seed=None):
    rng = np.random.default_rng(seed)
    x, packing, targets = _batch(
        rng, net.encoder is not None and net.encoder.token_input, net.vector_input
    )
    params = net.init_params(rng)
    params += rng.uniform(-0.3, 0.3, params.shape)  # non-zero biases

    def masks():
        return None if dropout_seed is None else np.random.default_rng(dropout_seed)

    def loss():
        return net.loss_and_grad(params, x, packing, targets, rng=masks())[0]

    _, grads = net.loss_and_grad(params, x, packing, targets, rng=masks())
    analytic = _tensor_views(net, grads)
    errors = {}
    for name, view in _tensor_views(net, params).items():
        idx = sample_indices(view.size, MAX_COORDS, rng)
        numeric = numerical_gradient(loss, view, idx, eps=EPS, order=ORDER)
        errors[name] = relative_error(analytic[name].reshape(-1)[idx], numeric)
    return errors


GRID = [
    (cell, attention, bidirectional, num_layers, source)
    for cell, attention, bidirectional, num_layers, source in itertools.product(
        ("rnn", "lstm", "gru"),
        (None, *SCORES),
        (False, True),
        (1, 2),
        ("tokens", "dense"),
    )
    # the dense sources once per cell and attention
    if source == "tokens" or (not bidirectional and num_layers == 1)
] + [
    (cell, None, False, layers, "vector")
    for cell in ("rnn", "lstm", "gru")
    for layers in (1, 2)
]


@pytest.mark.parametrize(
    "cell, attention, bidirectional, num_layers, source",
    GRID,
    ids=["-".join(map(str, case)) for case in GRID],
)
def test_gradients_match_finite_differences(
    cell, attention, bidirectional, num_layers, source
):
    net = _network(cell, attention, bidirectional, num_layers, source)
    errors = _check(net)
    assert max(errors.values()) < TOL, errors
    assert len(errors) >= len(net.layout.names)


FEEDING_GRID = list(
    itertools.product(("rnn", "lstm", "gru"), SCORES, [(False, 1), (True, 2)])
)


@pytest.mark.parametrize(
    "cell, attention, shape",
    FEEDING_GRID,
    ids=[f"{c}-{a}-{'bi2' if b else 'uni1'}" for c, a, (b, _) in FEEDING_GRID],
)
def test_input_feeding_gradients_match_finite_differences(cell, attention, shape):
    bidirectional, num_layers = shape
    net = _network(
        cell, attention, bidirectional, num_layers, "tokens", input_feeding=True
    )
    errors = _check(net, seed=2)
    assert max(errors.values()) < TOL, errors
    assert len(errors) >= len(net.layout.names)


@pytest.mark.parametrize("feeding", [False, True], ids=["no_feeding", "feeding"])
@pytest.mark.parametrize(
    "rate", ["dropout", "input_dropout", "recurrent_dropout", "output_dropout"]
)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gradients_with_dropout(cell, rate, feeding):
    net = _network(
        cell, "general", True, 2, "tokens", input_feeding=feeding, **{rate: 0.4}
    )
    errors = _check(net, seed=3, dropout_seed=7)
    assert max(errors.values()) < TOL, errors


def test_input_feeding_reads_the_previous_attentional_state():
    """The feeding rows of W_xh change every step's logits but the first."""
    net = _network("lstm", "general", False, 1, "tokens", input_feeding=True)
    rng = np.random.default_rng(4)
    x, packing, (inputs, outputs, targets) = _batch(rng, True, False)
    params = net.init_params(rng)
    logits = net.forward(params, x, packing, inputs, targets)[0]
    decoder = net.layout.views(params)["decoder"]
    net.decoder.layout.views(decoder)["W_xh_l0"][N_TARGETS:] += 0.5
    changed = net.forward(params, x, packing, inputs, targets)[0]
    first = slice(0, targets.offsets[1])
    np.testing.assert_array_equal(changed[first], logits[first])
    assert np.all(np.abs(changed[first.stop :] - logits[first.stop :]).max(axis=1) > 0)
    with pytest.raises(ValueError, match="needs attention"):
        _network("lstm", None, False, 1, "tokens", input_feeding=True)


def test_teacher_forcing_layout():
    targets = [np.array([3, 1]), np.array([], dtype=int), np.array([2, 2, 5])]
    inputs, outputs, packing = teacher_forcing(targets)
    assert list(packing.lengths[packing.inverse_order]) == [3, 1, 4]
    read = unpack_sequences(inputs, packing)
    written = unpack_sequences(outputs, packing)
    assert [list(s) for s in read] == [[START, 3, 1], [START], [START, 2, 2, 5]]
    assert [list(s) for s in written] == [[3, 1, END], [END], [2, 2, 5, END]]


@pytest.mark.parametrize("score", SCORES)
def test_attention_gradients_and_masking(score):
    rng = np.random.default_rng(1)
    B, T_q, T_k, Q = 3, 4, 5, 6
    attention = Attention(score, Q, Q, attention_size=7)
    layout = ParamLayout(attention.param_shapes(), np.float64)
    params = layout.zeros()
    attention.init_params(layout.views(params), rng)
    queries = rng.standard_normal((B, T_q, Q))
    memory = rng.standard_normal((B, T_k, Q))
    mask = np.ones((B, T_k), bool)
    mask[1, 3:] = mask[2, 1:] = False
    upstream = rng.standard_normal((B, T_q, Q))

    def run(memory=memory, need_cache=False):
        views = layout.views(params)
        keys = attention.keys(views, memory)
        context, weights, cache = attention.attend(
            views, queries, memory, keys, mask, need_cache
        )
        rows = (context.reshape(-1, Q), queries.reshape(-1, Q))
        output, combined_input = attention.combine(views, *rows)
        return output.reshape(B, T_q, Q), weights, (cache, combined_input, output)

    def objective():
        return float(np.sum(run()[0] * upstream))

    output, weights, (cache, combined_input, rows) = run(need_cache=True)
    grads = layout.zeros()
    views, grad_views = layout.views(params), layout.views(grads)
    d_context, d_query_rows = attention.combine_backward(
        views, combined_input, rows, upstream.reshape(-1, Q), grad_views
    )
    d_queries, d_memory = attention.attend_backward(
        views, cache, d_context.reshape(B, T_q, Q), grad_views
    )
    # the queries' part alone, as a decoder with input feeding asks for it
    np.testing.assert_allclose(
        attention.query_gradient(views, cache, d_context.reshape(B, T_q, Q)),
        d_queries,
        rtol=1e-12,
    )
    d_queries += d_query_rows.reshape(B, T_q, Q)
    for analytic, array in ((grads, params), (d_queries, queries), (d_memory, memory)):
        numeric = numerical_gradient(objective, array, np.arange(array.size))
        assert relative_error(analytic.reshape(-1), numeric) < TOL
    # masked source steps get no weight, no gradient and change nothing
    np.testing.assert_allclose(weights.sum(axis=2), 1.0)
    assert np.all(weights[~np.broadcast_to(mask[:, None], weights.shape)] == 0)
    assert np.all(d_memory[~mask] == 0)
    garbage = memory.copy()
    garbage[~mask] = 1e6
    np.testing.assert_array_equal(run(garbage)[0], output)


def test_dot_attention_needs_equal_sizes():
    with pytest.raises(ValueError, match="hidden size to equal"):
        Attention("dot", 4, 6)
    with pytest.raises(ValueError, match="score must be one of"):
        Attention("cosine", 4, 4)


def test_vector_input_refuses_attention():
    with pytest.raises(ValueError, match="Attention needs an encoder"):
        Seq2SeqNetwork("lstm", 3, 4, 5, vector_input=True, attention="dot")
