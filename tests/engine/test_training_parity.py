# SPDX-License-Identifier: BSD-3-Clause
"""Training parity of the NumPy engine with PyTorch, over many steps.

:mod:`test_torch_parity` proves one forward and one backward pass. Here the
engine and an equivalent PyTorch model are trained side by side, for
hundreds of steps, on the same batches, and must follow the same trajectory:
the loss and the gradient norm of every step, and the weights and final
states at the end, agree to rounding (float64). Whatever differs between the two
(an optimizer's rule, the clipping, the loss normalisation, the L2 penalty,
the state carried between windows) would make the trajectories drift apart
and the loss of some step differ far beyond rounding.

The mapping, one ingredient at a time:

Parameters
    As in :mod:`test_torch_parity`: ``weight_ih = W_xh.T``,
    ``weight_hh = W_hh.T``, the head is ``nn.Linear`` with
    ``weight = W_hy.T`` and ``bias = b_y``. The GRU keeps both biases
    (``bias_ih = b_xh``, ``bias_hh = b_hh``). The vanilla and LSTM cells
    have one bias ``b_h``: the torch model trains ``bias_ih = b_h`` and keeps
    ``bias_hh`` at zero, frozen (``requires_grad=False``). Training both
    torch biases would be another parameterisation of the same network: an
    optimizer would move ``bias_ih + bias_hh`` by two steps per update, and
    the clipping norm would count the gradient of ``b_h`` twice.

Loss normalisation
    :mod:`skrnn._engine.losses` divides the summed loss by ``normalizer``,
    by default the number of rows: the packed steps ``N`` (the sum of the
    lengths) for ``head='all'``, the sequences ``B`` for ``head='last'``.
    ``'cross_entropy'`` is then ``F.cross_entropy`` with the default
    ``reduction='mean'`` over the same rows, and ``'squared_error'``
    (``0.5 * sum_i mean_k (pred_ik - y_ik)**2 / B``) is
    ``0.5 * F.mse_loss`` with ``reduction='mean'``.

L2 penalty
    As skrnn's training tasks do (``skrnn/_tasks.py``): after the loss and
    gradient of a batch, ``add_l2_penalty(params, grads, alpha,
    1 / normalizer, net.weight_spans)``, which adds
    ``0.5 * alpha / normalizer * sum ||W||**2`` over the weight matrices
    ``W_xh``, ``W_hh`` and ``W_hy`` (no bias) to the loss and its gradient to
    the gradient, before the clipping. In torch the same term, over
    ``weight_ih``, ``weight_hh`` and the head's ``weight``, is added to the
    loss, so its gradient is in ``.grad`` before ``clip_grad_norm_``.

Clipping
    :func:`~skrnn._engine.clip_grad_norm` and
    ``torch.nn.utils.clip_grad_norm_`` both scale the whole gradient by
    ``max_norm / (norm + 1e-6)`` when that is below 1, and return the norm
    before clipping; the norms of every step are compared too.

Adam
    The two rules differ by design in where epsilon goes. skrnn's
    :class:`~skrnn._engine.AdamOptimizer` is scikit-learn's,
    ``param -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) +
    epsilon)``; ``torch.optim.Adam`` computes ``param -= lr / (1 -
    beta_1**t) * m / (sqrt(v) / sqrt(1 - beta_2**t) + eps)``. They are the
    same update when torch's ``eps`` at step ``t`` is ``epsilon / sqrt(1 -
    beta_2**t)``, which is how the torch optimizer's ``eps`` is set before
    each step (it reads its param group at every step); ``lr`` and ``betas``
    are the same. With torch's constant ``eps = epsilon`` instead, torch's
    steps are the larger ones wherever ``sqrt(v_hat)`` is not large compared
    with ``eps``, and the trajectories separate by far more than rounding
    (:func:`test_adam_with_torch_constant_eps_drifts`). The rule itself, on
    given gradients, is checked in :mod:`test_optimizers`.

SGD
    scikit-learn's ``v <- mu * v - lr * g``, ``param += mu * v - lr * g``
    (Nesterov) or ``param += v`` is ``torch.optim.SGD(lr, momentum=mu,
    nesterov=...)`` (``dampening=0``) with torch's buffer ``b = -v / lr``:
    algebraically the same for a constant learning rate; only the rounding
    differs.

Truncated backpropagation through time
    Parallel token streams are cut into consecutive windows; the final states
    ``(h_n, c_n)`` of window ``k`` are the initial states of window
    ``k + 1``. In our engine they are those that ``loss_and_grad`` returns
    (its backward pass ends at the window's initial states, so no gradient
    reaches the previous window); in torch, the module's ``h_n, c_n``,
    detached.
"""

import math

import numpy as np
import pytest
from torch_modules import torch_recurrent

from skrnn._engine import (
    AdamOptimizer,
    RecurrentNetwork,
    SGDOptimizer,
    add_l2_penalty,
    clip_grad_norm,
    pack_sequences,
)

# torch is not a dependency of skrnn: without it this module is skipped.
# CI installs torch==2.13.0 (CPU) and runs these tests.
torch = pytest.importorskip("torch")

torch.set_num_threads(1)

CELLS = ["rnn", "lstm", "gru"]  # the vanilla cell with tanh
# (num_layers, bidirectional)
STACKS = [(1, False), (2, True)]
STACK_IDS = ["L1_uni", "L2_bi"]

VOCAB, HIDDEN, N_STREAMS, WINDOW = 6, 6, 4, 6
N_FEATURES, N_OUTPUTS, N_CLASSES = 3, 2, 3
N_SEQUENCES, BATCH_SIZE, MAX_LENGTH = 12, 5, 7
ADAM = {"kind": "adam", "lr": 0.01, "betas": (0.9, 0.99), "epsilon": 1e-8}

# Tolerances (float64). The loss and the gradient norm of every step pass
# when |ours - torch| <= LOSS_RTOL * |torch|; the final weights and states
# when max|ours - torch| <= WEIGHT_RTOL * max(1, max|torch|). Measured worst
# case over every test of this module: 1.7e-14 on a loss (a squared error
# trained down to ~1e-4), 6.3e-14 on a gradient norm, 1.6e-14 on the final
# weights, 4.2e-14 on the final states; over 6 seeds of every training of
# this module, 9.6e-14 (loss), 3.1e-13 (norm), 3.0e-13 (weights) and 8.3e-13
# (states), in the SGD runs. The engines round differently (the order of
# the sums, our sigmoid 0.5 * tanh(x / 2) + 0.5, torch's own Adam and SGD
# arithmetic), by an ulp (1.1e-16) per operation, and hundreds of steps
# amplify that to ~1e-13 at most. 1e-10 leaves a margin of >= 100x, and
# every test that a change concerns fails on it: 1e-6 (relative) in torch's
# learning rate or momentum, 1e-4 in its beta_2, 1e-3 in its max_norm,
# Nesterov off, a state not carried, a loss summed instead of averaged, a
# penalty on the biases too or divided by the sequences instead of the
# rows, a bias_hh trained as well.
LOSS_RTOL = 1e-10
WEIGHT_RTOL = 1e-10
# Torch's Adam with a constant eps = epsilon (no mapping) instead: the loss
# of some step is off by 3.5e-5 (relative) in
# test_adam_with_torch_constant_eps_drifts (final weights by 1.2e-3); at
# least 3e-6 over 6 seeds. The test asks for more than this:
CONSTANT_EPS_DRIFT = 1e-6


# --- the torch model -------------------------------------------------------


def _make_network(
    cell, num_layers, bidirectional, head, rng, *, n_inputs, n_outputs, **kwargs
):
    """A float64 network and its initial parameters, with random biases."""
    net = RecurrentNetwork(
        cell,
        n_inputs,
        HIDDEN,
        n_outputs,
        num_layers=num_layers,
        bidirectional=bidirectional,
        head=head,
        dtype=np.float64,
        **kwargs,
    )
    params = net.init_params(rng)
    for name, view in net.layout.views(params).items():
        if name.startswith("b_"):
            view += rng.uniform(-0.5, 0.5, size=view.shape)
    return net, params


def _torch_model(net, params):
    """The recurrent module and linear head of ``net``, with its weights.

    Returns
    -------
    rnn, head : torch.nn.Module
    pairs : list
        ``(our name, torch parameter, transposed)`` of every trained
        parameter (:func:`torch_modules.recurrent_parameter_map`, then the
        head's).
    """
    rnn, pairs = torch_recurrent(net, params)
    head = torch.nn.Linear(net.n_directions * net.hidden_size, net.n_outputs).double()
    pairs += [("W_hy", head.weight, True), ("b_y", head.bias, False)]
    views = net.layout.views(params)
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(views["W_hy"].T))
        head.bias.copy_(torch.from_numpy(views["b_y"]))
    # one torch parameter for each of ours, and every trainable one mapped
    assert sorted(name for name, _, _ in pairs) == sorted(net.layout.names)
    trained = {id(param) for _, param, _ in pairs}
    trainable = [p for p in (*rnn.parameters(), *head.parameters()) if p.requires_grad]
    assert {id(p) for p in trainable} == trained
    return rnn, head, pairs


def _torch_params(net, pairs):
    """The torch model's parameters as one flat vector of our layout."""
    flat = net.layout.zeros()
    views = net.layout.views(flat)
    for name, param, transposed in pairs:
        value = param.detach().numpy()
        views[name][...] = value.T if transposed else value
    return flat


# --- batches ---------------------------------------------------------------


class Batch:
    """One training batch, in our engine's form and in torch's.

    Attributes
    ----------
    x, packing, y :
        Our packed input, its layout and targets (in the order of the
        head's output).
    torch_x : Tensor or PackedSequence
        The same input for the torch module (one-hot tokens for the windows).
    torch_y : Tensor
        The same targets, in the same order.
    normalizer : float
        What our loss divides by (the number of rows of ``y``).
    """

    def __init__(self, x, packing, y, torch_x, torch_y):
        self.x, self.packing, self.y = x, packing, y
        self.torch_x, self.torch_y = torch_x, torch_y
        self.normalizer = float(len(y))


def _token_stream(rng, n_streams, n_tokens):
    """Token streams of a random Markov chain (learnable, not uniform)."""
    transitions = rng.dirichlet(np.full(VOCAB, 0.3), size=VOCAB)
    cumulative = np.cumsum(transitions, axis=1)
    codes = np.empty((n_streams, n_tokens), dtype=np.intp)
    codes[:, 0] = rng.integers(0, VOCAB, size=n_streams)
    draws = rng.random((n_streams, n_tokens))
    for t in range(1, n_tokens):
        rows = cumulative[codes[:, t - 1]]
        codes[:, t] = np.minimum((rows < draws[:, t, None]).sum(axis=1), VOCAB - 1)
    return codes


def _stream_windows(rng, n_windows):
    """Consecutive windows of ``N_STREAMS`` token streams, next-token targets.

    Window ``k`` reads tokens ``k * WINDOW .. (k + 1) * WINDOW - 1`` of every
    stream and predicts the token after each. Our packed rows are time-major
    (all the streams at step 0, then at step 1...), as are the targets; the
    torch module reads ``(streams, steps, VOCAB)`` one-hot vectors, and its
    output is put in the same time-major order.
    """
    codes = _token_stream(rng, N_STREAMS, n_windows * WINDOW + 1)
    batches = []
    for k in range(n_windows):
        window = codes[:, k * WINDOW : (k + 1) * WINDOW]
        targets = codes[:, k * WINDOW + 1 : (k + 1) * WINDOW + 1]
        x, packing = pack_sequences(list(window))
        y, _ = pack_sequences(list(targets))
        np.testing.assert_array_equal(y, targets.T.reshape(-1))
        one_hot = torch.nn.functional.one_hot(torch.from_numpy(window), VOCAB)
        batches.append(Batch(x, packing, y, one_hot.double(), torch.from_numpy(y)))
    return batches


def _sequence_batches(rng, loss, n_batches):
    """Minibatches of variable-length sequences with one target each.

    ``N_SEQUENCES`` sequences of 1 to ``MAX_LENGTH`` steps; each batch draws
    ``BATCH_SIZE`` of them in random order (so unsorted lengths), packed by
    our engine and by ``pack_sequence(enforce_sorted=False)`` for torch.
    Regression targets depend on the first and last steps and on the mean of
    a feature; class labels on the means of two features.
    """
    # each length at most twice: every batch mixes three lengths or more
    lengths = rng.permutation(np.resize(np.arange(1, MAX_LENGTH + 1), N_SEQUENCES))
    seqs = [rng.standard_normal((n, N_FEATURES)) for n in lengths]
    if loss == "squared_error":
        targets = np.array([[s[0, 0] - s[-1, 1], s[:, 2].mean()] for s in seqs])
    else:
        means = np.array([s[:, :2].mean(axis=0) for s in seqs])
        targets = (means[:, 0] > 0).astype(np.intp) + (means[:, 1] > 0.3)
    batches = []
    for _ in range(n_batches):
        idx = rng.choice(N_SEQUENCES, size=BATCH_SIZE, replace=False)
        chosen = [seqs[i] for i in idx]
        x, packing = pack_sequences(chosen)
        packed = torch.nn.utils.rnn.pack_sequence(
            [torch.from_numpy(s) for s in chosen], enforce_sorted=False
        )
        y = targets[idx]
        batches.append(Batch(x, packing, y, packed, torch.from_numpy(y)))
    return batches


# --- training side by side -------------------------------------------------


def _torch_output(net, rnn, head, batch, state):
    """The torch model's output (in our row order) and final states."""
    out, final = rnn(batch.torch_x, state)
    if net.head == "all":
        logits = head(out)  # (streams, steps, classes)
        return logits.transpose(0, 1).reshape(-1, net.n_outputs), final
    h_n = final[0] if net.cell.has_cell_state else final
    features = torch.cat(list(h_n[-net.n_directions :]), dim=1)
    return head(features), final


def _torch_loss(kind, output, target):
    if kind == "cross_entropy":
        return torch.nn.functional.cross_entropy(output, target)
    return 0.5 * torch.nn.functional.mse_loss(output, target)


def _torch_penalty(pairs, alpha, normalizer):
    """``0.5 * alpha / normalizer * sum ||W||**2`` over the weight matrices."""
    squares = sum((param**2).sum() for name, param, _ in pairs if name[0] == "W")
    return 0.5 * alpha / normalizer * squares


def _optimizers(spec, params, torch_params):
    """Our optimizer, torch's, and what to do to torch's before its step ``t``.

    Parameters
    ----------
    spec : dict
        ``{'kind': 'adam', 'lr', 'betas', 'epsilon'}`` (optionally
        ``'eps_mapped': False``: torch's ``eps`` stays ``epsilon``) or
        ``{'kind': 'sgd', 'lr', 'momentum', 'nesterov'}``.
    params : ndarray
        Our flat parameters.
    torch_params : list of torch.nn.Parameter

    Returns
    -------
    ours : AdamOptimizer or SGDOptimizer
    theirs : torch.optim.Optimizer
    before_step : callable
        Called with ``t = 1, 2, ...`` before torch's step ``t``: sets Adam's
        ``eps`` to ``epsilon / sqrt(1 - beta_2**t)`` (see the module's
        docstring); nothing for SGD.
    """
    if spec["kind"] == "adam":
        (beta_1, beta_2), epsilon = spec["betas"], spec["epsilon"]
        ours = AdamOptimizer(
            params,
            learning_rate_init=spec["lr"],
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
        )
        theirs = torch.optim.Adam(
            torch_params, lr=spec["lr"], betas=(beta_1, beta_2), eps=epsilon
        )

        def before_step(t):
            if spec.get("eps_mapped", True):
                correction = math.sqrt(1.0 - beta_2**t)
                theirs.param_groups[0]["eps"] = epsilon / correction

        return ours, theirs, before_step
    lr, momentum, nesterov = spec["lr"], spec["momentum"], spec["nesterov"]
    ours = SGDOptimizer(
        params, learning_rate_init=lr, momentum=momentum, nesterov=nesterov
    )
    theirs = torch.optim.SGD(torch_params, lr=lr, momentum=momentum, nesterov=nesterov)
    return ours, theirs, lambda t: None


def _train_side_by_side(
    net, params, batches, *, loss, optimizer, clip_norm=None, alpha=0.0, carry=False
):
    """Train our network and its torch twin on ``batches``, one step each.

    Parameters
    ----------
    net : RecurrentNetwork
    params : ndarray
        Initial parameters (copied; not modified).
    batches : list of Batch
    loss : {'cross_entropy', 'squared_error'}
    optimizer : dict
        ``kind`` ('adam' or 'sgd') and its settings (see :func:`_optimizers`).
    clip_norm : float, default=None
        Clip the gradient's global norm to this.
    alpha : float, default=0.0
        L2 penalty on the weight matrices.
    carry : bool, default=False
        Start each batch from the final states of the previous one
        (truncated BPTT); otherwise from zeros.

    Returns
    -------
    dict
        ``losses`` and ``norms``: ``(n_steps, 2)`` arrays (ours, torch's);
        ``params``: the final parameters (ours, torch's, in our layout);
        ``states``: the last final states (ours, torch's), as lists.
    """
    params = params.copy()
    rnn, head, pairs = _torch_model(net, params)
    torch_params = [param for _, param, _ in pairs]
    ours, theirs, before_step = _optimizers(optimizer, params, torch_params)
    has_c = net.cell.has_cell_state
    h0 = c0 = torch_state = None
    losses, norms = [], []
    for t, batch in enumerate(batches, start=1):
        value, grads, h_n, c_n = net.loss_and_grad(
            params, batch.x, batch.packing, batch.y, loss=loss, h0=h0, c0=c0
        )
        if alpha:
            scale, spans = 1.0 / batch.normalizer, net.weight_spans
            value += add_l2_penalty(params, grads, alpha, scale, spans)
        norm = clip_grad_norm(grads, clip_norm)
        ours.update_params(params, grads)

        theirs.zero_grad()
        output, final = _torch_output(net, rnn, head, batch, torch_state)
        torch_loss = _torch_loss(loss, output, batch.torch_y)
        if alpha:
            torch_loss = torch_loss + _torch_penalty(pairs, alpha, batch.normalizer)
        torch_loss.backward()
        max_norm = math.inf if clip_norm is None else clip_norm
        torch_norm = torch.nn.utils.clip_grad_norm_(torch_params, max_norm)
        before_step(t)
        theirs.step()

        if carry:
            h0, c0 = h_n, c_n
            if has_c:
                torch_state = tuple(s.detach() for s in final)
            else:
                torch_state = final.detach()
        losses.append((value, torch_loss.item()))
        norms.append((norm, torch_norm.item()))
    torch_final = final if has_c else (final,)
    return {
        "losses": np.array(losses),
        "norms": np.array(norms),
        "params": (params, _torch_params(net, pairs)),
        "states": (
            [s for s in (h_n, c_n) if s is not None],
            [s.detach().numpy() for s in torch_final],
        ),
    }


# --- assertions --------------------------------------------------------------


def _relative_gap(pair_rows):
    """``|ours - torch| / |torch|`` of each row of an ``(n, 2)`` array."""
    return np.abs(pair_rows[:, 0] - pair_rows[:, 1]) / np.abs(pair_rows[:, 1])


def _scaled_gap(ours, ref):
    """``max|ours - ref|`` relative to ``max(1, max|ref|)``."""
    return float(np.max(np.abs(ours - ref))) / max(1.0, float(np.max(np.abs(ref))))


def _assert_same_trajectory(record, params0):
    """Every step's loss and norm, the final weights and states agree."""
    losses, norms = record["losses"], record["norms"]
    assert np.all(np.isfinite(losses)) and np.all(np.isfinite(norms))
    worst = int(np.argmax(_relative_gap(losses)))
    assert _relative_gap(losses)[worst] <= LOSS_RTOL, (
        f"loss of step {worst + 1}: ours {float(losses[worst, 0])!r}, "
        f"torch {float(losses[worst, 1])!r}"
    )
    assert np.all(_relative_gap(norms) <= LOSS_RTOL), "gradient norms"
    ours, ref = record["params"]
    # the weights did move: comparing them is not comparing the initial ones
    assert _scaled_gap(params0, ref) > 1e-3
    assert _scaled_gap(ours, ref) <= WEIGHT_RTOL, "final weights"
    for ours_state, ref_state in zip(*record["states"], strict=True):
        assert _scaled_gap(ours_state, ref_state) <= WEIGHT_RTOL, "final states"


# --- tests -----------------------------------------------------------------


def _character_model(cell, num_layers, bidirectional, seed):
    """A next-token model: token input, ``head='all'``, ``VOCAB`` classes.

    Returns the network, its initial parameters and the generator that drew
    them (to draw the stream next).
    """
    rng = np.random.default_rng(seed)
    net, params = _make_network(
        cell,
        num_layers,
        bidirectional,
        "all",
        rng,
        n_inputs=VOCAB,
        n_outputs=VOCAB,
        token_input=True,
    )
    return net, params, rng


@pytest.mark.parametrize(("num_layers", "bidirectional"), STACKS, ids=STACK_IDS)
@pytest.mark.parametrize("cell", CELLS)
def test_truncated_bptt_with_adam_and_clipping(cell, num_layers, bidirectional):
    """A character model: 200 windows, state carried, Adam, clipped gradients.

    The gradient norm exceeds ``max_norm`` on 55% to 99% of the steps.
    """
    net, params, rng = _character_model(cell, num_layers, bidirectional, seed=0)
    batches = _stream_windows(rng, 200)
    clip_norm = 0.3
    record = _train_side_by_side(
        net,
        params,
        batches,
        loss="cross_entropy",
        optimizer=ADAM,
        clip_norm=clip_norm,
        carry=True,
    )
    _assert_same_trajectory(record, params)
    # the clipping did act, on many steps
    assert np.mean(record["norms"][:, 1] > clip_norm) > 0.25
    # and the training did something: the last windows' loss is lower
    assert record["losses"][-20:, 0].mean() < record["losses"][:20, 0].mean() - 0.1


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
@pytest.mark.parametrize("cell", CELLS)
def test_variable_length_batches_many_to_one(cell, loss):
    """Packed, unsorted variable-length minibatches, ``head='last'``, Adam.

    The head reads the final states of both directions of the last layer,
    each sequence's own (torch's ``h_n`` of a ``PackedSequence``).
    """
    rng = np.random.default_rng(1)
    n_outputs = N_OUTPUTS if loss == "squared_error" else N_CLASSES
    net, params = _make_network(
        cell, 2, True, "last", rng, n_inputs=N_FEATURES, n_outputs=n_outputs
    )
    batches = _sequence_batches(rng, loss, 100)
    assert not any(b.packing.is_uniform for b in batches)
    assert np.mean([b.packing.is_identity for b in batches]) < 0.1  # unsorted
    record = _train_side_by_side(net, params, batches, loss=loss, optimizer=ADAM)
    _assert_same_trajectory(record, params)
    assert record["losses"][-20:, 0].mean() < 0.8 * record["losses"][:20, 0].mean()


@pytest.mark.parametrize(
    ("cell", "nesterov"),
    [("rnn", True), ("lstm", True), ("gru", True), ("lstm", False)],
    ids=["rnn_nesterov", "lstm_nesterov", "gru_nesterov", "lstm_momentum"],
)
def test_sgd_momentum_is_torch_sgd(cell, nesterov):
    """scikit-learn's momentum and Nesterov rules are torch's SGD, step by step.

    200 windows with the state carried and the gradient clipped (on 10% to
    83% of the steps), as in :func:`test_truncated_bptt_with_adam_and_clipping`.
    """
    net, params, rng = _character_model(cell, 1, False, seed=2)
    batches = _stream_windows(rng, 200)
    sgd = {"kind": "sgd", "lr": 0.5, "momentum": 0.9, "nesterov": nesterov}
    record = _train_side_by_side(
        net,
        params,
        batches,
        loss="cross_entropy",
        optimizer=sgd,
        clip_norm=0.3,
        carry=True,
    )
    _assert_same_trajectory(record, params)
    assert record["losses"][-20:, 0].mean() < record["losses"][:20, 0].mean() - 0.1


def _penalty(net, params, alpha, normalizer):
    """Our L2 penalty of ``params``: ``0.5 * alpha / normalizer * sum ||W||**2``."""
    squares = sum(float(np.sum(params[a:b] ** 2)) for a, b in net.weight_spans)
    return 0.5 * alpha / normalizer * squares


@pytest.mark.parametrize("head", ["all", "last"])
def test_l2_penalty_on_the_weights_only(head):
    """The L2 penalty of the weight matrices, scaled by ``1 / normalizer``.

    ``alpha`` is large enough that the penalty is a sizeable part of the
    loss at the end (11% for ``'all'``, most of it for ``'last'``), so that
    penalising the biases too, or dividing by the number of sequences
    instead of the ``N`` rows of ``head='all'``, fails the comparison.
    """
    alpha = 0.1
    if head == "all":
        net, params, rng = _character_model("lstm", 2, True, seed=3)
        batches, loss, carry = _stream_windows(rng, 100), "cross_entropy", True
    else:
        rng = np.random.default_rng(3)
        net, params = _make_network(
            "gru", 2, True, "last", rng, n_inputs=N_FEATURES, n_outputs=N_OUTPUTS
        )
        batches = _sequence_batches(rng, "squared_error", 100)
        loss, carry = "squared_error", False
    record = _train_side_by_side(
        net,
        params,
        batches,
        loss=loss,
        optimizer=ADAM,
        clip_norm=0.5,
        alpha=alpha,
        carry=carry,
    )
    _assert_same_trajectory(record, params)
    final_penalty = _penalty(net, record["params"][1], alpha, batches[-1].normalizer)
    assert final_penalty > 0.05 * record["losses"][-1, 1]


def test_adam_with_torch_constant_eps_drifts():
    """Without the epsilon mapping, torch's Adam is another optimizer.

    The same training as :func:`test_truncated_bptt_with_adam_and_clipping`
    (LSTM, one layer) but torch's ``eps`` left at ``epsilon``: the loss
    separates by :data:`CONSTANT_EPS_DRIFT` or more, far beyond rounding.
    """
    net, params, rng = _character_model("lstm", 1, False, seed=0)
    batches = _stream_windows(rng, 200)
    constant_eps = dict(ADAM, eps_mapped=False)
    record = _train_side_by_side(
        net,
        params,
        batches,
        loss="cross_entropy",
        optimizer=constant_eps,
        clip_norm=0.3,
        carry=True,
    )
    assert _relative_gap(record["losses"]).max() > CONSTANT_EPS_DRIFT
