# SPDX-License-Identifier: BSD-3-Clause
"""Parity of the encoder-decoder with one built from ``torch.nn`` pieces.

The torch twin: the encoder's ``nn.LSTM``/``nn.GRU``/``nn.RNN`` over packed
sources; its final states, each layer's directions side by side, start the
decoder (the same module kind, unidirectional) that reads one-hot target
codes (our decoder reads codes as rows of its ``W_xh``: the same product);
Luong attention (``'dot'``, ``'general'``) or Bahdanau's additive score from
``nn.Linear`` layers without biases over the padded encoder outputs, with
``masked_fill`` on the padding; ``tanh(W_c [c; h])``; an ``nn.Linear``
output layer and the mean cross-entropy over the target steps. Both start
from the same weights, in float64; the loss and every parameter's gradient
must agree.
"""

import numpy as np
import pytest
from torch_modules import torch_recurrent

from skrnn._engine.packing import pack_sequences
from skrnn._engine.seq2seq import END, START, Seq2SeqNetwork, teacher_forcing

# torch is not a dependency of skrnn: without it this module is skipped.
# CI installs torch==2.13.0 (CPU) and runs these tests.
# SKRNN_TEST_REQUIRE=torch (set by .ci/run) turns this skip into a failure.
torch = pytest.importorskip("torch")

torch.set_num_threads(1)

N_FEATURES, HIDDEN, N_TARGETS, ATTENTION_SIZE = 3, 4, 7, 5
SOURCE_LENGTHS = [4, 6, 1, 3, 5]
TARGET_LENGTHS = [3, 0, 5, 2, 4]
# float64 on both sides: measured worst gap over 5 seeds of every case 4.4e-16
# (loss, relative) and 2.0e-16 (gradients, relative to max(1, |torch|)); a
# softmax scaled by 1 + 1e-6 or the directions swapped in the bridge fail.
RTOL = 1e-10


def _linear(weight, bias=None):
    """An ``nn.Linear`` computing ``x @ weight + bias`` (our orientation)."""
    n_in, n_out = weight.shape
    layer = torch.nn.Linear(n_in, n_out, bias=bias is not None).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight.T))
        if bias is not None:
            layer.bias.copy_(torch.from_numpy(bias))
    return layer


class TorchSeq2Seq:
    """The torch twin of a :class:`Seq2SeqNetwork` with its parameters."""

    def __init__(self, net, params):
        self.net = net
        views = net.layout.views(params)
        self.encoder, self.encoder_pairs = torch_recurrent(
            net.encoder, views["encoder"]
        )
        self.decoder, self.decoder_pairs = torch_recurrent(
            net.decoder, views["decoder"]
        )
        self.linear = {
            name: _linear(views[name])
            for name in ("W_a", "W_aq", "W_ak", "W_c")
            if name in views
        }
        if "v_a" in views:
            self.linear["v_a"] = _linear(views["v_a"][:, None])
        self.linear["W_hy"] = _linear(views["W_hy"], views["b_y"])

    def _states(self, h_n):
        """Final encoder states ``(L * D, B, H)`` to decoder ones ``(L, B, D * H)``."""
        L, D = self.net.num_layers, self.net.encoder.n_directions
        _, B, H = h_n.shape
        return h_n.view(L, D, B, H).permute(0, 2, 1, 3).reshape(L, B, D * H)

    def loss(self, sources, targets):
        """Mean cross-entropy of the targets under teacher forcing."""
        pack = torch.nn.utils.rnn.pack_padded_sequence
        pad = torch.nn.utils.rnn.pad_packed_sequence
        source_lengths = torch.tensor([len(s) for s in sources])
        padded_sources = torch.nn.utils.rnn.pad_sequence(
            [torch.from_numpy(s) for s in sources], batch_first=True
        )
        out, states = self.encoder(
            pack(padded_sources, source_lengths, True, enforce_sorted=False)
        )
        memory, _ = pad(out, batch_first=True)
        if isinstance(states, tuple):
            states = tuple(self._states(s).contiguous() for s in states)
        else:
            states = self._states(states).contiguous()
        reads = [np.concatenate(([START], t)) for t in targets]
        writes = torch.nn.utils.rnn.pad_sequence(
            [torch.from_numpy(np.append(t, END)) for t in targets],
            batch_first=True,
            padding_value=-100,
        )
        one_hot = torch.nn.utils.rnn.pad_sequence(
            [torch.eye(N_TARGETS, dtype=torch.float64)[r] for r in reads],
            batch_first=True,
        )
        lengths = torch.tensor([len(r) for r in reads])
        out, _ = self.decoder(
            pack(one_hot, lengths, True, enforce_sorted=False), states
        )
        queries, _ = pad(out, batch_first=True)
        if self.net.attention is not None:
            mask = torch.arange(memory.shape[1])[None, :] < source_lengths[:, None]
            queries = self._attend(queries, memory, mask)
        logits = self.linear["W_hy"](queries)
        return torch.nn.functional.cross_entropy(
            logits.reshape(-1, N_TARGETS), writes.reshape(-1), ignore_index=-100
        )

    def _attend(self, queries, memory, mask):
        score = self.net.attention.score
        if score == "additive":
            hidden = torch.tanh(
                self.linear["W_aq"](queries)[:, :, None, :]
                + self.linear["W_ak"](memory)[:, None, :, :]
            )
            scores = self.linear["v_a"](hidden).squeeze(-1)
        else:
            keys = memory if score == "dot" else self.linear["W_a"](memory)
            scores = queries @ keys.transpose(1, 2)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        context = torch.softmax(scores, dim=2) @ memory
        return torch.tanh(self.linear["W_c"](torch.cat([context, queries], dim=2)))

    def gradient_pairs(self, net, grads):
        """(name, our gradient, torch's gradient) of every parameter."""
        views = net.layout.views(grads)
        pairs = []
        for part, twin in (
            ("encoder", self.encoder_pairs),
            ("decoder", self.decoder_pairs),
        ):
            sub = getattr(net, part).layout.views(views[part])
            for name, param, transposed in twin:
                grad = param.grad.numpy()
                pairs.append(
                    (f"{part}.{name}", sub[name], grad.T if transposed else grad)
                )
        for name, layer in self.linear.items():
            grad = layer.weight.grad.numpy().T
            pairs.append((name, views[name], grad.reshape(views[name].shape)))
        pairs.append(("b_y", views["b_y"], self.linear["W_hy"].bias.grad.numpy()))
        return pairs


def make_case(cell, attention, bidirectional, num_layers, seed=0, **options):
    """A float64 network (non-zero biases), its sources and its targets."""
    rng = np.random.default_rng(seed)
    net = Seq2SeqNetwork(
        cell,
        N_FEATURES,
        HIDDEN,
        N_TARGETS,
        num_layers=num_layers,
        bidirectional=bidirectional,
        attention=attention,
        attention_size=ATTENTION_SIZE,
        dtype=np.float64,
        **options,
    )
    params = net.init_params(rng)
    params += rng.uniform(-0.3, 0.3, params.shape)
    sources = [rng.standard_normal((n, N_FEATURES)) for n in SOURCE_LENGTHS]
    targets = [rng.integers(1, N_TARGETS, n) for n in TARGET_LENGTHS]
    return net, params, sources, targets


@pytest.mark.parametrize("attention", [None, "dot", "general", "additive"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional, num_layers", [(False, 1), (True, 2)])
def test_seq2seq_matches_torch(cell, attention, bidirectional, num_layers):
    net, params, sources, targets = make_case(
        cell, attention, bidirectional, num_layers
    )
    x, packing = pack_sequences(sources)
    loss, grads = net.loss_and_grad(params, x, packing, teacher_forcing(targets))

    assert_matches_twin(TorchSeq2Seq(net, params), net, sources, targets, loss, grads)


def assert_matches_twin(twin, net, sources, targets, loss, grads):
    """Our ``loss`` and ``grads`` agree with ``twin``'s, every tensor compared."""
    torch_loss = twin.loss(sources, targets)
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), rel=RTOL)
    pairs = twin.gradient_pairs(net, grads)
    # every parameter tensor of ours is compared
    assert {name.split(".")[0] for name, _, _ in pairs} == set(net.layout.names)
    for name, ours, theirs in pairs:
        scale = max(1.0, float(np.abs(theirs).max()))
        gap = float(np.abs(ours - theirs).max()) / scale
        assert gap <= RTOL, (name, gap)
