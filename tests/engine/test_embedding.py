# SPDX-License-Identifier: BSD-3-Clause
"""Token columns and embeddings: gradients, sparsity, and parity with PyTorch.

The configuration grid of ``engine_cases`` already runs the finite-difference
checks and the sequence-alone tests for two token columns, read directly
and through embeddings. Here: dense features and embedded columns together,
the row-sparsity of the tables' gradients (what lets the optimizers update
them lazily), bad codes, and ``nn.Embedding`` + ``nn.LSTM``/``nn.GRU`` with
the same weights.
"""

import numpy as np
import pytest

from skrnn._engine import RecurrentNetwork, pack_sequences, unpack_sequences
from skrnn._engine.gradcheck import numerical_gradient, relative_error, sample_indices
from skrnn._engine.layers import layer_param_name

VOCABS, DIMS, N_DENSE, HIDDEN, N_OUT = [7, 4], [3, 2], 2, 4, 3
LENGTHS = [5, 2, 4, 1]


def _mixed_case(cell, head, dtype=np.float64, seed=0, n_dense=N_DENSE, dims=DIMS):
    rng = np.random.default_rng(seed)
    net = RecurrentNetwork(
        cell,
        n_dense,
        HIDDEN,
        N_OUT,
        num_layers=2,
        bidirectional=True,
        head=head,
        vocab_sizes=VOCABS,
        embedding_dims=dims,
        dtype=dtype,
    )
    params = net.init_params(rng)
    params += (0.1 * rng.standard_normal(params.shape)).astype(dtype)
    codes = [
        np.stack([rng.integers(0, v, size=n) for v in VOCABS], axis=1) for n in LENGTHS
    ]
    codes_x, packing = pack_sequences(codes)
    if not n_dense:
        return net, params, codes_x, packing, codes, None, rng
    dense = [rng.standard_normal((n, n_dense)).astype(dtype) for n in LENGTHS]
    dense_x, _ = pack_sequences(dense)
    return net, params, (codes_x, dense_x), packing, codes, dense, rng


@pytest.mark.parametrize("head", ["last", "all"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_embedded_and_dense_gradients_match_finite_differences(cell, head):
    net, params, x, packing, _, _, rng = _mixed_case(cell, head)
    y, h_n, _, cache = net.forward(params, x, packing, need_cache=True)
    dy, dh = rng.standard_normal(y.shape), rng.standard_normal(h_n.shape)
    grads, dx, _, _ = net.backward(params, cache, dy, dh.copy(), need_dx=True)

    def objective():
        y, h_n, _, _ = net.forward(params, x, packing)
        return float(np.sum(y * dy) + np.sum(h_n * dh))

    P, G = net.layout.views(params), net.layout.views(grads)
    assert {"E_0", "E_1"} <= set(net.layout.names)
    for name in net.layout.names:
        idx = sample_indices(P[name].size, 16, rng)
        numeric = numerical_gradient(objective, P[name], idx)
        assert relative_error(G[name].reshape(-1)[idx], numeric) < 1e-6, name
    dense = x[1]
    assert dx.shape == dense.shape
    idx = np.arange(dense.size)
    numeric = numerical_gradient(objective, dense, idx)
    assert relative_error(dx.reshape(-1), numeric) < 1e-6


@pytest.mark.parametrize("embedded", [True, False], ids=["embedded", "direct"])
def test_table_gradients_are_written_only_in_the_rows_of_the_batch(embedded):
    rng = np.random.default_rng(3)
    vocabs = [50, 20]
    net = RecurrentNetwork(
        "lstm",
        0,
        HIDDEN,
        N_OUT,
        bidirectional=True,
        head="last",
        vocab_sizes=vocabs,
        embedding_dims=[3, 2] if embedded else None,
        dtype=np.float64,
    )
    params = net.init_params(rng)
    codes = [np.stack([rng.integers(0, 6, size=n) for _ in vocabs], 1) for n in [3, 5]]
    x, packing = pack_sequences(codes)
    y, _, _, cache = net.forward(params, x, packing, need_cache=True)
    grads, _, _, _ = net.backward(params, cache, rng.standard_normal(y.shape))
    tables = net.touched_rows(x, packing.n_rows)
    names = net.table_names
    expected_names = ["E_0", "E_1"] if embedded else ["W_xh_l0", "W_xh_l0_reverse"]
    assert names == expected_names
    G = net.layout.views(grads)
    for name, table in zip(names, tables, strict=True):
        rows = np.flatnonzero(np.any(G[name] != 0, axis=1))
        np.testing.assert_array_equal(rows, table.rows)
        assert (table.start, table.stop) == net.layout.offsets[name]
    if embedded:
        np.testing.assert_array_equal(tables[0].rows, np.unique(x[:, 0]))
    else:  # the second column's codes follow the first column's vocabulary
        offset_codes = np.concatenate([x[:, 0], x[:, 1] + vocabs[0]])
        np.testing.assert_array_equal(tables[0].rows, np.unique(offset_codes))


def test_direct_columns_equal_their_concatenated_one_hot_vectors():
    """Two columns read directly: the same network as their one-hot concatenation."""
    rng = np.random.default_rng(4)
    kwargs = dict(head="all", dtype=np.float64, bidirectional=True)
    net = RecurrentNetwork("gru", 0, HIDDEN, N_OUT, vocab_sizes=VOCABS, **kwargs)
    dense_net = RecurrentNetwork("gru", sum(VOCABS), HIDDEN, N_OUT, **kwargs)
    params = net.init_params(rng)
    assert net.layout.shapes == dense_net.layout.shapes
    codes = [np.stack([rng.integers(0, v, size=n) for v in VOCABS], 1) for n in LENGTHS]
    one_hot = [
        np.concatenate([np.eye(v)[c[:, k]] for k, v in enumerate(VOCABS)], axis=1)
        for c in codes
    ]
    x, packing = pack_sequences(codes)
    x_dense, _ = pack_sequences(one_hot)
    y, _, _, cache = net.forward(params, x, packing, need_cache=True)
    y_dense, _, _, cache_dense = dense_net.forward(
        params, x_dense, packing, need_cache=True
    )
    np.testing.assert_allclose(y, y_dense, rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    grads = net.backward(params, cache, dy)[0]
    grads_dense = dense_net.backward(params, cache_dense, dy)[0]
    np.testing.assert_allclose(grads, grads_dense, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.array([[0, 0], [7, 0], [1, 1]]), r"\[0, vocabulary size\)"),
        (np.array([[0, -1], [1, 0], [1, 1]]), r"\[0, vocabulary size\)"),
        (np.zeros((3, 2)), "integer codes"),
        (np.zeros((3, 3), dtype=int), "integer codes of shape"),
    ],
)
def test_bad_codes_are_refused(x, match):
    net = RecurrentNetwork(
        "gru", 0, HIDDEN, N_OUT, vocab_sizes=VOCABS, embedding_dims=DIMS
    )
    _, packing = pack_sequences([np.zeros((3, 2), dtype=int)])
    with pytest.raises(ValueError, match=match):
        net.forward(net.init_params(np.random.default_rng(0)), x, packing)


def test_bad_input_layer_settings_are_refused():
    with pytest.raises(ValueError, match="need embeddings"):
        RecurrentNetwork("gru", 2, HIDDEN, N_OUT, vocab_sizes=[3])
    with pytest.raises(ValueError, match="one positive size per token column"):
        RecurrentNetwork("gru", 0, HIDDEN, N_OUT, vocab_sizes=[3], embedding_dims=[])
    with pytest.raises(ValueError, match="Every vocabulary needs a code"):
        RecurrentNetwork("gru", 0, HIDDEN, N_OUT, vocab_sizes=[0])


# --- parity with torch.nn.Embedding + torch.nn.LSTM / GRU ---------------------


def _torch_parity_pairs(cell, head, n_dense, dtype):
    torch = pytest.importorskip("torch")
    from test_torch_parity import _param_grad_pairs, _torch_module

    net, params, x, packing, codes, dense, rng = _mixed_case(
        cell, head, dtype=dtype, seed=5, n_dense=n_dense
    )
    y, h_n, c_n, cache = net.forward(params, x, packing, need_cache=True)
    dy = rng.standard_normal(y.shape).astype(dtype)
    grads, dx, _, _ = net.backward(params, cache, dy.copy(), need_dx=True)
    P, G = net.layout.views(params), net.layout.views(grads)

    module = _torch_module(net, params)
    embeddings = []
    for k, (v, d) in enumerate(zip(VOCABS, DIMS, strict=True)):
        emb = torch.nn.Embedding(v, d).to(module.weight_hh_l0.dtype)
        with torch.no_grad():
            emb.weight.copy_(torch.from_numpy(P[f"E_{k}"]))
        embeddings.append(emb)
    t_dense = [torch.tensor(d, requires_grad=True) for d in dense or []]
    steps = []
    for i, c in enumerate(codes):
        parts = [emb(torch.from_numpy(c[:, k])) for k, emb in enumerate(embeddings)]
        steps.append(torch.cat(parts + ([t_dense[i]] if dense else []), dim=1))
    rnn_utils = torch.nn.utils.rnn
    out, states = module(rnn_utils.pack_sequence(steps, enforce_sorted=False))
    t_hn = states[0] if cell == "lstm" else states
    W_hy = torch.tensor(P["W_hy"], requires_grad=True)
    b_y = torch.tensor(P["b_y"], requires_grad=True)
    if head == "last":
        t_y = torch.cat([t_hn[-2], t_hn[-1]], dim=1) @ W_hy + b_y
        (t_y * torch.from_numpy(dy)).sum().backward()
        pairs = [("y", y, t_y.detach().numpy())]
    else:
        padded, _ = rnn_utils.pad_packed_sequence(out, batch_first=True)
        t_out = [padded[i, :n] @ W_hy + b_y for i, n in enumerate(LENGTHS)]
        dys = unpack_sequences(dy, packing)
        loss = sum(
            (o * torch.from_numpy(g)).sum() for o, g in zip(t_out, dys, strict=True)
        )
        loss.backward()
        ours_y = np.concatenate(unpack_sequences(y, packing))
        pairs = [("y", ours_y, torch.cat(t_out).detach().numpy())]
    pairs += [
        ("W_hy", G["W_hy"], W_hy.grad.numpy()),
        ("b_y", G["b_y"], b_y.grad.numpy()),
    ]
    pairs += [
        (f"E_{k}", G[f"E_{k}"], e.weight.grad.numpy()) for k, e in enumerate(embeddings)
    ]
    pairs += _param_grad_pairs(net, grads, module)
    if dense:
        t_dx = torch.cat([d.grad for d in t_dense]).numpy()
        pairs.append(("dx", np.concatenate(unpack_sequences(dx, packing)), t_dx))
    assert {name for name, _, _ in pairs} >= set(net.layout.names)
    assert layer_param_name("W_xh", 1, True) in net.layout.names
    return pairs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_dense", [0, N_DENSE], ids=["tokens", "tokens+dense"])
@pytest.mark.parametrize("head", ["last", "all"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_embeddings_match_torch(cell, head, n_dense, dtype):
    """Two ``nn.Embedding`` columns (and dense features) into a 2-layer bi-RNN."""
    tol = 1e-5 if dtype == np.float32 else 1e-10
    for name, ours, ref in _torch_parity_pairs(cell, head, n_dense, dtype):
        scale = max(1.0, float(np.max(np.abs(ref))))
        assert ours.shape == ref.shape, name
        assert np.max(np.abs(ours - ref)) <= tol * scale, name
