# SPDX-License-Identifier: BSD-3-Clause
"""Parity of the NumPy engine with PyTorch's ``nn.RNN``, ``nn.LSTM``, ``nn.GRU``.

The engine's parameters are PyTorch's, transposed (see the docstring of
:mod:`skrnn._engine.cells`): ``weight_ih = W_xh.T``, ``weight_hh = W_hh.T``;
the vanilla and LSTM cells keep only the sum of PyTorch's two biases, so the
torch module gets ``bias_ih = b_h`` and ``bias_hh = 0`` (the gradient of
``b_h`` is then the gradient of either torch bias); the GRU keeps both
(``bias_ih = b_xh``, ``bias_hh = b_hh``).

Every test builds the same network twice, runs a forward pass on the same
inputs and initial states, and backpropagates the same random upstream
gradients ``dy``, ``dh_n`` and ``dc_n`` (in torch, as the gradient of
``(out * dy).sum() + (h_n * dh_n).sum() + (c_n * dc_n).sum()``). Outputs,
final states and every gradient (each weight and bias of every layer and
direction, the head, the inputs and the initial states) must agree.
"""

import numpy as np
import pytest

from skrnn._engine import RecurrentNetwork, pack_sequences, unpack_sequences
from skrnn._engine.layers import layer_param_name

# torch is not a dependency of skrnn: without it this module is skipped.
# CI installs torch==2.13.0 (CPU) and runs these tests.
torch = pytest.importorskip("torch")

torch.set_num_threads(1)

N_FEATURES, HIDDEN, N_OUTPUTS, VOCAB = 3, 5, 2, 6
LENGTHS = {
    # equal lengths: our uniform fast path against torch's padded-tensor path
    "equal": [6, 6, 6, 6],
    # variable lengths, not sorted, with a length-1 sequence: our packed path
    # against torch's PackedSequence (enforce_sorted=False)
    "variable": [3, 7, 1, 5],
}
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
CELL_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
TORCH_MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}

# Tolerances, relative to the scale of the reference: an array passes when
# max|ours - torch| <= RTOL[dtype] * max(1, max|torch|) (the reference values
# are O(1)..O(10) here). Measured worst case over every array of every test
# in this module (and over 20 seeds of the stack tests): 6.7e-7 (1.3e-6) in
# float32 and 1.1e-15 in float64, always on a bias gradient, which sums the
# gate gradients of all N rows. That is a few float32 ulps (eps = 1.2e-7):
# the two engines accumulate the products in a different order and our
# sigmoid is 0.5 * tanh(x / 2) + 0.5. 1e-5 leaves a margin of 7-15x for other
# BLAS builds and CPUs and still catches any real mistake (a wrong gate, bias,
# order or time step is off by >= 1e-2).
RTOL = {np.float32: 1e-5, np.float64: 1e-10}


def _torch_dtype(dtype):
    return torch.float32 if dtype == np.float32 else torch.float64


def _randomise_biases(net, params, rng):
    """Non-zero biases, so that every bias path is exercised."""
    P = net.layout.views(params)
    for name, view in P.items():
        if name.startswith("b_"):
            view += rng.uniform(-0.5, 0.5, size=view.shape).astype(net.dtype)


def _torch_module(net, params):
    """The torch recurrent module with the same weights as ``net``."""
    kwargs = {"nonlinearity": net.cell.activation} if net.cell.name == "rnn" else {}
    module = TORCH_MODULES[net.cell.name](
        net.inputs.width,
        net.hidden_size,
        num_layers=net.num_layers,
        batch_first=True,
        dropout=net.dropout,
        bidirectional=net.bidirectional,
        **kwargs,
    ).to(_torch_dtype(net.dtype))
    P = net.layout.views(params)
    with torch.no_grad():
        for layer, suffix, reverse in _directions(net):
            ours = {
                n: P[layer_param_name(n, layer, reverse)] for n in net.cell.param_names
            }
            getattr(module, f"weight_ih{suffix}").copy_(
                torch.from_numpy(ours["W_xh"].T)
            )
            getattr(module, f"weight_hh{suffix}").copy_(
                torch.from_numpy(ours["W_hh"].T)
            )
            bias_ih = getattr(module, f"bias_ih{suffix}")
            bias_hh = getattr(module, f"bias_hh{suffix}")
            if net.cell.name == "gru":
                bias_ih.copy_(torch.from_numpy(ours["b_xh"]))
                bias_hh.copy_(torch.from_numpy(ours["b_hh"]))
            else:
                bias_ih.copy_(torch.from_numpy(ours["b_h"]))
                bias_hh.zero_()
    return module


def _directions(net):
    """(layer, torch suffix, reverse) of every layer and direction."""
    for layer in range(net.num_layers):
        for d in range(net.n_directions):
            yield layer, f"_l{layer}" + ("_reverse" if d else ""), d == 1


def _param_grad_pairs(net, grads, module):
    """(name, our gradient, torch's gradient) of every recurrent parameter."""
    G = net.layout.views(grads)
    pairs = []
    for layer, suffix, reverse in _directions(net):

        def torch_grad(kind, suffix=suffix):
            return getattr(module, f"{kind}{suffix}").grad.numpy()

        def name(n, layer=layer, reverse=reverse):
            return layer_param_name(n, layer, reverse)

        pairs.append((name("W_xh"), G[name("W_xh")], torch_grad("weight_ih").T))
        pairs.append((name("W_hh"), G[name("W_hh")], torch_grad("weight_hh").T))
        if net.cell.name == "gru":
            pairs.append((name("b_xh"), G[name("b_xh")], torch_grad("bias_ih")))
            pairs.append((name("b_hh"), G[name("b_hh")], torch_grad("bias_hh")))
        else:
            # b_h = bias_ih + bias_hh: its gradient is that of either one
            pairs.append((name("b_h"), G[name("b_h")], torch_grad("bias_ih")))
            pairs.append((name("b_h"), G[name("b_h")], torch_grad("bias_hh")))
    return pairs


def _run_parity(
    cell,
    activation,
    bidirectional,
    num_layers,
    lengths,
    *,
    dtype=np.float32,
    head=None,
    token_input=False,
    dropout=0.0,
    seed=0,
):
    """Run both engines; return ``(net, pairs)`` of (name, ours, torch's)."""
    rng = np.random.default_rng(seed)
    tdtype = _torch_dtype(dtype)
    n_inputs = VOCAB if token_input else N_FEATURES
    net = RecurrentNetwork(
        cell,
        n_inputs,
        HIDDEN,
        N_OUTPUTS if head else None,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        activation=activation,
        head=head,
        token_input=token_input,
        dtype=dtype,
    )
    params = net.init_params(rng)
    _randomise_biases(net, params, rng)
    P = net.layout.views(params)
    has_c = net.cell.has_cell_state
    B, D, S = len(lengths), net.n_directions, net.n_states
    width = N_OUTPUTS if head else D * HIDDEN

    if token_input:
        seqs = [rng.integers(0, VOCAB, size=n) for n in lengths]
    else:
        seqs = [rng.standard_normal((n, N_FEATURES)).astype(dtype) for n in lengths]
    h0 = (0.5 * rng.standard_normal((S, B, HIDDEN))).astype(dtype)
    c0 = (0.5 * rng.standard_normal((S, B, HIDDEN))).astype(dtype)
    dh_n = rng.standard_normal((S, B, HIDDEN)).astype(dtype)
    dc_n = rng.standard_normal((S, B, HIDDEN)).astype(dtype)
    if head == "last":
        dy_seqs = None
        dy_last = rng.standard_normal((B, N_OUTPUTS)).astype(dtype)
    else:
        dy_seqs = [rng.standard_normal((n, width)).astype(dtype) for n in lengths]

    # --- ours ---------------------------------------------------------------
    x, packing = pack_sequences(seqs)
    inputs = {"params": params, "x": x, "h0": h0, "c0": c0, "dh_n": dh_n, "dc_n": dc_n}
    saved = {name: a.copy() for name, a in inputs.items()}
    y, h_n, c_n, cache = net.forward(
        params, x, packing, h0, c0 if has_c else None, need_cache=True
    )
    if head == "last":
        dy = dy_last
    else:
        dy, dy_packing = pack_sequences(dy_seqs)
        np.testing.assert_array_equal(dy_packing.order, packing.order)
    saved["dy"], inputs["dy"] = dy.copy(), dy
    grads, dx, dh0, dc0 = net.backward(
        params, cache, dy, dh_n, dc_n if has_c else None, need_dx=True
    )
    for name, array in inputs.items():  # the engine never writes into its inputs
        np.testing.assert_array_equal(array, saved[name], err_msg=name)

    # --- torch --------------------------------------------------------------
    module = _torch_module(net, params)
    if token_input:
        codes = [torch.from_numpy(s) for s in seqs]
        t_seqs = [torch.nn.functional.one_hot(c, VOCAB).to(tdtype) for c in codes]
    else:
        t_seqs = [torch.tensor(s, requires_grad=True) for s in seqs]
    t_h0 = torch.tensor(h0, requires_grad=True)
    t_c0 = torch.tensor(c0, requires_grad=True)
    hx = (t_h0, t_c0) if has_c else t_h0
    if len(set(lengths)) == 1:
        out, states = module(torch.stack(t_seqs), hx)
        t_out = list(out)
    else:
        rnn_utils = torch.nn.utils.rnn
        packed = rnn_utils.pack_sequence(t_seqs, enforce_sorted=False)
        out, states = module(packed, hx)
        padded, t_lengths = rnn_utils.pad_packed_sequence(out, batch_first=True)
        assert t_lengths.tolist() == list(lengths)
        t_out = [padded[i, :n] for i, n in enumerate(lengths)]
    t_hn, t_cn = states if has_c else (states, None)
    if head is not None:
        t_W_hy = torch.tensor(P["W_hy"], requires_grad=True)
        t_b_y = torch.tensor(P["b_y"], requires_grad=True)
    if head == "last":
        feats = torch.cat(list(t_hn[(num_layers - 1) * D :]), dim=1)
        t_y = feats @ t_W_hy + t_b_y
        loss = (t_y * torch.from_numpy(dy_last)).sum()
        t_y = t_y.detach().numpy()
    else:
        if head == "all":
            t_out = [o @ t_W_hy + t_b_y for o in t_out]
        loss = sum(
            (o * torch.from_numpy(g)).sum() for o, g in zip(t_out, dy_seqs, strict=True)
        )
        t_y = torch.cat(t_out).detach().numpy()
    loss = loss + (t_hn * torch.from_numpy(dh_n)).sum()
    if has_c:
        loss = loss + (t_cn * torch.from_numpy(dc_n)).sum()
    loss.backward()

    # --- pairs ----------------------------------------------------------------
    G = net.layout.views(grads)
    ours_y = y if head == "last" else np.concatenate(unpack_sequences(y, packing))
    pairs = [
        ("y", ours_y, t_y),
        ("h_n", h_n, t_hn.detach().numpy()),
        ("dh0", dh0, t_h0.grad.numpy()),
    ]
    if has_c:
        pairs += [("c_n", c_n, t_cn.detach().numpy()), ("dc0", dc0, t_c0.grad.numpy())]
    else:
        assert c_n is None and dc0 is None
    if token_input:
        assert dx is None
    else:
        t_dx = torch.cat([s.grad for s in t_seqs]).numpy()
        pairs.append(("dx", np.concatenate(unpack_sequences(dx, packing)), t_dx))
    if head is not None:
        pairs += [
            ("W_hy", G["W_hy"], t_W_hy.grad.numpy()),
            ("b_y", G["b_y"], t_b_y.grad.numpy()),
        ]
    pairs += _param_grad_pairs(net, grads, module)
    # every parameter of the layout has been compared
    assert {name for name, _, _ in pairs} >= set(net.layout.names)
    return net, pairs


def _assert_pairs(pairs, dtype):
    tol = RTOL[dtype]
    for name, ours, ref in pairs:
        assert ours.shape == ref.shape, name
        assert ours.dtype == dtype, name
        scale = max(1.0, float(np.max(np.abs(ref))))
        np.testing.assert_allclose(ours, ref, rtol=0, atol=tol * scale, err_msg=name)


@pytest.mark.parametrize("lengths", ["equal", "variable"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize(("cell", "activation"), CELLS, ids=CELL_IDS)
def test_stack_matches_torch(cell, activation, bidirectional, num_layers, lengths):
    """Outputs, final states and all gradients of a stack without head."""
    _, pairs = _run_parity(
        cell, activation, bidirectional, num_layers, LENGTHS[lengths]
    )
    _assert_pairs(pairs, np.float32)


@pytest.mark.parametrize("lengths", ["equal", "variable"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize(("cell", "activation"), CELLS, ids=CELL_IDS)
def test_head_last_matches_torch(cell, activation, bidirectional, lengths):
    """Many-to-one: ``y = [h_n of the last layer's directions] @ W_hy + b_y``.

    The upstream gradient reaches the last layer's final states both through
    the head and directly through ``dh_n``; the two must add up.
    """
    _, pairs = _run_parity(
        cell, activation, bidirectional, 2, LENGTHS[lengths], head="last"
    )
    _assert_pairs(pairs, np.float32)


@pytest.mark.parametrize("lengths", ["equal", "variable"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize(("cell", "activation"), CELLS, ids=CELL_IDS)
def test_head_all_matches_torch(cell, activation, bidirectional, lengths):
    """Many-to-many: a linear layer applied to the output of every step."""
    _, pairs = _run_parity(
        cell, activation, bidirectional, 2, LENGTHS[lengths], head="all"
    )
    _assert_pairs(pairs, np.float32)


@pytest.mark.parametrize("head", [None, "last", "all"])
@pytest.mark.parametrize(("cell", "activation"), CELLS, ids=CELL_IDS)
def test_float64_matches_torch(cell, activation, head):
    """In float64 the two engines agree to ~1e-15; we ask for 1e-10."""
    _, pairs = _run_parity(
        cell, activation, True, 2, LENGTHS["variable"], dtype=np.float64, head=head
    )
    _assert_pairs(pairs, np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lengths", ["equal", "variable"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_token_input_matches_one_hot(cell, lengths, dtype):
    """Token codes in our engine equal their one-hot vectors fed to torch.

    In particular the gradient of ``W_xh_l0`` (a scatter-add of the rows of
    the gate gradients, in our engine) equals torch's ``weight_ih_l0.grad.T``.
    """
    _, pairs = _run_parity(
        cell,
        "tanh",
        True,
        2,
        LENGTHS[lengths],
        dtype=dtype,
        head="all",
        token_input=True,
    )
    _assert_pairs(pairs, dtype)


@pytest.mark.parametrize(("cell", "activation"), CELLS, ids=CELL_IDS)
def test_dropout_without_rng_is_torch_eval_mode(cell, activation):
    """Dropout between layers is off without ``rng``, as in torch's eval mode."""
    rng = np.random.default_rng(1)
    lengths = LENGTHS["variable"]
    net = RecurrentNetwork(
        cell,
        N_FEATURES,
        HIDDEN,
        num_layers=3,
        bidirectional=True,
        dropout=0.5,
        activation=activation,
        head=None,
    )
    params = net.init_params(rng)
    _randomise_biases(net, params, rng)
    seqs = [rng.standard_normal((n, N_FEATURES)).astype(np.float32) for n in lengths]
    x, packing = pack_sequences(seqs)
    y, h_n, c_n, _ = net.forward(params, x, packing)

    module = _torch_module(net, params).eval()
    assert module.dropout == 0.5
    packed = torch.nn.utils.rnn.pack_sequence(
        [torch.from_numpy(s) for s in seqs], enforce_sorted=False
    )
    with torch.no_grad():
        out, states = module(packed)
    padded, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    t_y = np.concatenate([padded[i, :n].numpy() for i, n in enumerate(lengths)])
    t_hn = states[0] if net.cell.has_cell_state else states
    pairs = [("y", np.concatenate(unpack_sequences(y, packing)), t_y)]
    pairs.append(("h_n", h_n, t_hn.numpy()))
    if net.cell.has_cell_state:
        pairs.append(("c_n", c_n, states[1].numpy()))
    _assert_pairs(pairs, np.float32)
