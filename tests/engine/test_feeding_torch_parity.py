# SPDX-License-Identifier: BSD-3-Clause
"""Parity of the encoder-decoder with input feeding with a ``torch.nn`` twin.

Input feeding (Luong, Pham & Manning, 2015): the decoder's step ``t`` reads
the one-hot target code and the previous attentional state ``h~_{t-1}``
(zeros at step 0), side by side: ``n_targets + Q`` inputs, whose weights are
the rows of our ``W_xh_l0``. The twin is the one of
``test_seq2seq_torch_parity`` (the encoder, the bridge of its final states,
the scores, ``tanh(W_c [c; h])``, the output layer and the loss) with its
decoder run one step at a time: the module's ``nn.LSTM``/``nn.GRU``/
``nn.RNN`` on one step of the padded batch, its states carried, the top
layer's output attending over the encoder's outputs, ``h~_t`` fed to step
``t + 1``. Padded steps of finished targets are computed and masked out of
the loss. Both start from the same weights, in float64; the loss, every
parameter's gradient and the attention weights must agree.
"""

import numpy as np
import pytest
from test_seq2seq_torch_parity import (
    N_TARGETS,
    SOURCE_LENGTHS,
    TARGET_LENGTHS,
    TorchSeq2Seq,
    assert_matches_twin,
    make_case,
)

from skrnn._engine.packing import pack_sequences
from skrnn._engine.seq2seq import teacher_forcing

# torch is not a dependency of skrnn: without it this module is skipped.
# CI installs torch==2.13.0 (CPU) and runs these tests.
# SKRNN_TEST_REQUIRE=torch (set by .ci/run) turns this skip into a failure.
torch = pytest.importorskip("torch")

torch.set_num_threads(1)

# float64 on both sides: measured worst gap over 5 seeds of every case 4.6e-16
# (loss, relative), 3.9e-16 (gradients, relative to max(1, |torch|)) and
# 6.7e-16 (attention weights); zeros fed instead of h~ (loss, >= 1.9e-5) or
# h~ fed without its gradient (gradients, >= 5.2e-3) fail.
RTOL = 1e-10

CELLS = ["rnn", "lstm", "gru"]
SCORES = ["dot", "general", "additive"]
SHAPES = [(False, 1), (True, 2)]


class TorchFeeding(TorchSeq2Seq):
    """The torch twin of a :class:`Seq2SeqNetwork` with input feeding.

    :class:`TorchSeq2Seq` runs the encoder, the output layer and the loss.
    Its call of the decoder over all steps is replaced by one that keeps the
    initial states and hands back the padded one-hot codes, which its
    attention then receives as queries: here :meth:`_attend` runs the
    decoder step by step, each step's query through the base class's
    attention.
    """

    def __init__(self, net, params):
        super().__init__(net, params)
        self.recurrent = self.decoder
        self.decoder = self._keep_states

    def _keep_states(self, codes, states):
        self.initial_states = states
        return codes, None

    def fed(self, attentional):
        """What step ``t + 1`` reads of ``h~_t`` ``(B, Q)``."""
        return attentional

    def _attend(self, codes, memory, mask):
        B, T, _ = codes.shape
        states = self.initial_states
        fed = torch.zeros(B, self.net.decoder_size, dtype=torch.float64)
        attentional = []
        for t in range(T):
            query, states = self.recurrent(
                torch.cat([codes[:, t], fed], dim=1)[:, None], states
            )
            attentional.append(super()._attend(query, memory, mask))
            fed = self.fed(attentional[-1][:, 0])
        return torch.cat(attentional, dim=1)


class TorchZerosFed(TorchFeeding):
    """A wrong twin: it feeds zeros instead of ``h~_{t-1}``."""

    def fed(self, attentional):
        return torch.zeros_like(attentional)


class TorchDetachedFed(TorchFeeding):
    """A wrong twin: it feeds ``h~_{t-1}`` without its gradient."""

    def fed(self, attentional):
        return attentional.detach()


def _case(cell, attention, bidirectional, num_layers, seed=0):
    """A network with input feeding, its parameters, sources and targets."""
    return make_case(
        cell, attention, bidirectional, num_layers, seed, input_feeding=True
    )


def _loss_and_grad(net, params, sources, targets):
    x, packing = pack_sequences(sources)
    return net.loss_and_grad(params, x, packing, teacher_forcing(targets))


@pytest.mark.parametrize("bidirectional, num_layers", SHAPES)
@pytest.mark.parametrize("attention", SCORES)
@pytest.mark.parametrize("cell", CELLS)
def test_feeding_matches_torch(cell, attention, bidirectional, num_layers):
    net, params, sources, targets = _case(cell, attention, bidirectional, num_layers)
    decoder = net.decoder.layout.views(net.layout.views(params)["decoder"])
    Q = net.decoder_size
    assert decoder["W_xh_l0"].shape == (N_TARGETS + Q, net.decoder.cell.n_gates * Q)
    loss, grads = _loss_and_grad(net, params, sources, targets)

    assert_matches_twin(TorchFeeding(net, params), net, sources, targets, loss, grads)


def _gaps(twin, net, params, sources, targets):
    """Relative gaps of the loss and of the worst gradient to ``twin``'s."""
    loss, grads = _loss_and_grad(net, params, sources, targets)
    torch_loss = twin.loss(sources, targets)
    torch_loss.backward()
    grad_gap = max(
        float(np.abs(ours - theirs).max()) / max(1.0, float(np.abs(theirs).max()))
        for _, ours, theirs in twin.gradient_pairs(net, grads)
    )
    return abs(loss - torch_loss.item()) / abs(torch_loss.item()), grad_gap


def test_wrong_twins_fail():
    """The test can fail: zeros fed break the loss, h~ without gradient the grads."""
    case = _case("lstm", "general", True, 2)
    loss_gap, grad_gap = _gaps(TorchFeeding(case[0], case[1]), *case)
    assert max(loss_gap, grad_gap) <= RTOL
    loss_gap, _ = _gaps(TorchZerosFed(case[0], case[1]), *case)
    assert loss_gap > 1e3 * RTOL
    loss_gap, grad_gap = _gaps(TorchDetachedFed(case[0], case[1]), *case)
    assert loss_gap <= RTOL < 1e3 * RTOL < grad_gap


@pytest.mark.parametrize("bidirectional, num_layers", SHAPES)
@pytest.mark.parametrize("attention", SCORES)
@pytest.mark.parametrize("cell", CELLS)
def test_feeding_attention_weights_match_torch(
    monkeypatch, cell, attention, bidirectional, num_layers
):
    net, params, sources, targets = _case(cell, attention, bidirectional, num_layers)
    x, packing = pack_sequences(sources)
    inputs, _, target_packing = teacher_forcing(targets)
    _, ours, _ = net.forward(params, x, packing, inputs, target_packing)

    seen = []
    softmax = torch.softmax

    def spy(*args, **kwargs):
        weights = softmax(*args, **kwargs)
        seen.append(weights)
        return weights

    # the twin's only softmax is the attention's (one call per step)
    monkeypatch.setattr(torch, "softmax", spy)
    with torch.no_grad():
        TorchFeeding(net, params).loss(sources, targets)
    theirs = torch.cat(seen, dim=1).numpy()
    T_out = max(TARGET_LENGTHS) + 1
    assert ours.shape == theirs.shape == (len(sources), T_out, max(SOURCE_LENGTHS))
    for b, n in enumerate(TARGET_LENGTHS):
        # real steps: the target and END; zeros past them
        gap = float(np.abs(ours[b, : n + 1] - theirs[b, : n + 1]).max())
        assert gap <= RTOL, (b, gap)
        assert not ours[b, n + 1 :].any()
