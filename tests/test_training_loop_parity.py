# SPDX-License-Identifier: BSD-3-Clause
"""The estimators' training loops are a plain PyTorch loop, step for step.

Where skrnn's loop differs BY DESIGN from the textbook PyTorch loop
--------------------------------------------------------------------
The textbook loops are PyTorch's ``examples/word_language_model`` for the
generator (``batchify`` the corpus into ``batch_size`` columns, fixed
``bptt`` windows, ``init_hidden`` every epoch, ``repackage_hidden``) and a
``DataLoader(shuffle=True)`` over padded/packed sequences for the tagger,
both with ``nn.LSTM``/``nn.GRU`` + ``nn.Linear`` at PyTorch's default
initialisation, ``CrossEntropyLoss`` and ``torch.optim.Adam``.

1. Adam's epsilon (``skrnn/_engine/optimizers.py``,
   ``AdamOptimizer._advance``/``_apply``): scikit-learn's rule, ``eps``
   added to the uncorrected ``sqrt(v)``; torch adds it to the
   bias-corrected ``sqrt(v_hat)``. skrnn is torch's Adam with
   ``eps = epsilon / sqrt(1 - beta_2**t)`` at update ``t`` (31.6 x epsilon
   at t = 1), which is what the replay below sets (``TorchAdam``). With
   torch's plain ``eps=1e-8`` the replays of this module end 7.5e-4 to
   2.5e-3 away in the weights (relative; up to 2.8e-3 on the way) after
   20 to 27 updates, and the per-update losses differ by up to 8.4e-6.
2. One bias per gate for the vanilla and LSTM cells (``cells.py``, the
   cells' ``param_shapes``; ``docs/design_notes.rst``): torch trains
   ``bias_ih`` and ``bias_hh`` separately, so their sum gets two Adam steps
   per update and its gradient counts twice in ``clip_grad_norm_``. A torch
   LSTM with both biases trainable ends 5e-2 (tagger) and 1.2e-2
   (generator) away; the replay freezes ``bias_hh`` at 0. (The GRU keeps
   both biases, as torch.)
3. Initialisation (``network.py``, ``RecurrentNetwork.init_params``;
   ``params.py``, ``glorot_uniform``/``orthogonal``; ``cells.py``,
   ``LSTMCell.init_biases``): Glorot-uniform ``W_xh`` per gate block
   (limit ``sqrt(6 / (n_in + H))``) and head ``W_hy``, one orthogonal
   ``(H, H)`` block per gate for ``W_hh``, zero biases except the LSTM
   forget gate (FORGET_BIAS_INIT, 0 since it measured faster than 1);
   drawn from a NumPy Generator seeded by
   ``random_state`` (``BaseRNN._run_fit``). PyTorch draws every recurrent
   weight and both biases from U(-1/sqrt(H), 1/sqrt(H)) and the
   ``nn.Linear`` weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
   (``test_initialisation_is_skrnns`` checks skrnn's side.)
4. How the generator's corpus becomes batch rows (``_engine/streams.py``,
   ``Streams.__init__`` and ``_stream_bounds``): the positions that have a
   next token *in their document* are cut into ``min(batch_size,
   n_positions // seq_length)`` contiguous streams of near-equal length
   (``linspace`` rounded), a cut moved to a document boundary when one is
   within half a stream's share. Nothing is trimmed and the pair across a
   cut is trained (a stream's last target is the next stream's first
   token), where ``batchify`` drops the remainder and never trains the
   pairs across its columns. Streams differ in length (by one position
   from the rounding, by up to half a share where a cut moved), so the
   last batches can hold windows of unequal lengths or fewer rows
   (``Streams.batches`` drops finished streams), where ``batchify`` keeps
   every row, at one length, to the end.
5. Window phase per epoch (``_tasks.py``, ``StreamTask.epoch``;
   ``Streams._windows``): with ``shuffle=True`` each epoch draws one
   ``phase`` in ``[1, seq_length]`` and every stream's first window has
   that length (``phase == seq_length`` is the unshifted layout), so
   window edges move between epochs; the windows are otherwise read in
   order, never shuffled. The textbook reads the same windows every epoch.
6. State resets (``streams.py``, ``carried_windows``/``CarriedState``):
   zero state at every epoch (a new ``CarriedState`` per
   ``StreamTask.epoch``, as ``init_hidden``) and at every document start
   inside a stream; the textbook concatenates documents and never resets.
   After a document boundary a stream's windows restart aligned on it (the
   phase applies to a stream's first segment only).
7. Loss normalisation (``_engine/losses.py``, ``softmax_cross_entropy``;
   ``_tasks.py``, ``SequenceTask.loss_and_grad``/``StreamTask.
   loss_and_grad``): a batch's loss is the mean per *target* (per predicted
   token; per step for the tagger, or per unit of weight with
   ``sample_weight``/``class_weight``), i.e. ``CrossEntropyLoss('mean')``
   over the batch's real targets, never padding. The epoch's ``loss_``/
   ``loss_curve_`` (``_training._epoch``) is the per-target mean over the
   epoch (batch losses weighted by their targets), not the mean of the batch
   losses, and it is the running loss under changing weights, including
   the L2 term.
8. L2 penalty (``_tasks.py``, ``_Task._regularize``;
   ``optimizers.add_l2_penalty``): scikit-learn MLP's ``0.5 * alpha / n *
   ||W||^2`` with ``n`` the batch's targets, on the weight matrices only
   (not the biases; the generator's ``W_xh_l0`` is penalised, the lazily
   updated token tables of the tagger are not), added to the loss and
   gradient *before* clipping. torch's ``weight_decay`` adds ``lambda * w`` to every
   parameter's gradient inside ``step``, after clipping, unscaled by ``n``.
   Defaults differ too: ``alpha=1e-4`` for the tagger, 0 for the generator.
9. Clipping (``optimizers.clip_grad_norm``): ``clip_grad_norm_``'s rule on
   the global norm of the penalised gradient, but on by default
   (``clip_norm=5.0``).
10. Shuffling of the tagger (``SequenceTask.epoch``): a fresh permutation
    every epoch from the fit's NumPy Generator, last batch kept short (as
    ``drop_last=False``); when one batch holds every sequence nothing is
    drawn or shuffled. ``batch_size='auto'`` is ``min(200, n_sequences)``
    (``BaseRNN._batch_size``); the generator's is 64 streams.
11. Stopping and early stopping (``_training.py``, ``History.after_epoch``,
    ``_stop``; ``BaseRNN._run_fit``): scikit-learn MLP's rule, so even
    without ``early_stopping`` a fit stops once the training loss has not
    improved by ``tol`` for ``n_iter_no_change`` epochs. With
    ``early_stopping`` the tagger holds out a random ``validation_fraction``
    of the sequences (``BaseRNN._split``, ``train_test_split`` seeded from
    the fit's Generator, stratified only for one-step sequences) scored by
    per-step accuracy; the generator holds out the *last*
    ``validation_fraction`` of the tokens, cutting a document
    (``CharRNNGenerator._split``), scored by mean log-likelihood read in
    streams of 1024 tokens (``_scorer``). The best epoch's weights are
    restored.
12. Token input (``_engine/embedding.py``): a character is a row of
    ``W_xh_l0`` (a one-hot times ``weight_ih`` without the one-hot), not
    an ``nn.Embedding`` in front of the cell; the replay feeds torch the
    one-hot vectors. The generator updates that table densely (as torch's
    Adam); the tagger's token tables are updated lazily, as ``SparseAdam``
    (``BaseRNN._task`` passes ``lazy_tables=True``), which dense float input,
    as here, does not touch.
13. Dropout (between stacked layers only, ``layers.dropout_mask``) draws
    its masks from the fit's NumPy Generator, not torch's: a fit with
    dropout cannot be replayed bit for bit (none here: one layer).

What is proved here
-------------------
A real ``fit`` in float64 is recorded batch by batch (``Recorder``: the
flat parameters before each update, what the task handed to
``RecurrentNetwork.loss_and_grad``, the losses and gradient norms that came
back), then replayed by an independent torch model (``TorchTwin``:
``nn.LSTM``/``nn.GRU``/``nn.RNN`` + ``nn.Linear``, started from the
recorded initial weights) trained with ``torch.optim.Adam`` (same lr,
betas; eps as in 1.), ``clip_grad_norm_`` and MLP's L2 penalty, on the
same batches in the same order built from the raw data (the tagger's
sequences by index, the generator's windows by position in a corpus
encoded here). The generator's replay carries torch's *own* final states
from window to window (detached: truncated BPTT), resets them at epoch and
document starts, and must meet the states skrnn started each window from.
Every update's loss, gradient norm and parameters, the epoch losses and the
final ``params_`` agree to float64 rounding (worst cases in the tests'
docstrings); each of the deviations quoted in 1., 2. and a replay that
forgets the document resets (state off by 0.46) fails them by 10 orders of
magnitude.
"""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import CharRNNGenerator, RNNSequenceTagger, _tasks
from skrnn._engine import RecurrentNetwork, unpack_sequences
from skrnn._engine.layers import layer_param_name

# torch is not a dependency of skrnn: without it this module is skipped.
# CI installs torch==2.13.0 (CPU) and requires it (SKRNN_TEST_REQUIRE=torch
# turns the skip into a failure), so these tests run there.
torch = pytest.importorskip("torch")

torch.set_num_threads(1)

F = torch.nn.functional
TORCH_MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}

# ---------------------------------------------------------------- recording


class Recorder:
    """Everything a fit hands to the engine, batch by batch.

    ``steps`` holds one dict per optimizer update, in order: the epoch, the
    flat parameters *before* the update, what the task made of the batch
    (the sequence indices, or the live streams and their windows), what it
    passed to ``RecurrentNetwork.loss_and_grad`` (inputs, packing, targets,
    weights, normalizer, initial states) and what came back (the network's
    loss; the task's regularised loss, gradient norm before clipping and
    number of targets).
    """

    def __init__(self, monkeypatch):
        self.steps, self.epoch = [], -1
        net_loss_and_grad = RecurrentNetwork.loss_and_grad
        recorder = self

        def record_network(net, params, x, packing, y, **kwargs):
            step = recorder.steps[-1]
            assert "x" not in step, "one engine call per batch"
            h0, c0 = kwargs.get("h0"), kwargs.get("c0")
            step.update(
                params=params.copy(),
                x=np.array(x, copy=True),
                packing=packing,
                y=np.array(y, copy=True),
                weights=kwargs.get("weights"),
                normalizer=kwargs.get("normalizer"),
                h0=None if h0 is None else np.array(h0, copy=True),
                c0=None if c0 is None else np.array(c0, copy=True),
            )
            out = net_loss_and_grad(net, params, x, packing, y, **kwargs)
            step["net_loss"] = out[0]
            return out

        monkeypatch.setattr(RecurrentNetwork, "loss_and_grad", record_network)
        for task_class in (_tasks.SequenceTask, _tasks.StreamTask):
            self._wrap_task(monkeypatch, task_class)

    def _wrap_task(self, monkeypatch, task_class):
        epoch, loss_and_grad = task_class.epoch, task_class.loss_and_grad
        recorder = self

        def record_epoch(task, rng):
            recorder.epoch += 1
            yield from epoch(task, rng)

        def record_batch(task, batch, rng):
            step = {"epoch": recorder.epoch}
            if isinstance(task, _tasks.StreamTask):
                _, live, rows, packing = batch
                windows = unpack_sequences(rows, packing)
                step["live"] = live.copy()
                step["windows"] = [(int(w[0]), len(w)) for w in windows]
                for w in windows:  # a window is a run of consecutive positions
                    np.testing.assert_array_equal(w, w[0] + np.arange(len(w)))
            else:
                step["idx"] = np.array(batch, copy=True)
            recorder.steps.append(step)
            out = loss_and_grad(task, batch, rng)
            step.update(loss=out[0], norm=out[2], n_targets=out[4])
            return out

        monkeypatch.setattr(task_class, "epoch", record_epoch)
        monkeypatch.setattr(task_class, "loss_and_grad", record_batch)


# ------------------------------------------------------ the torch twin model


class TorchTwin:
    """The torch model of a fitted estimator, started from given weights.

    ``nn.RNN/LSTM/GRU`` (``batch_first``) and an ``nn.Linear`` head. The
    engine's weights are torch's transposed: ``weight_ih = W_xh.T``,
    ``weight_hh = W_hh.T``, head ``weight = W_hy.T``. The vanilla and LSTM
    cells have one bias ``b_h`` where torch has two that only enter as a
    sum: ``bias_ih = b_h`` and ``bias_hh`` is frozen at 0. (Training both
    would give the sum two Adam steps per update and count its gradient
    twice in the clipped norm: a different model, see the docstring.) The
    GRU's two biases are torch's two.
    """

    def __init__(self, net, params):
        self.net, self.cell = net, net.cell.name
        kwargs = {"nonlinearity": net.cell.activation} if self.cell == "rnn" else {}
        self.rnn = TORCH_MODULES[self.cell](
            net.inputs.width,
            net.hidden_size,
            num_layers=net.num_layers,
            bidirectional=net.bidirectional,
            batch_first=True,
            dtype=torch.float64,
            **kwargs,
        )
        self.head = torch.nn.Linear(
            net.n_directions * net.hidden_size, net.n_outputs, dtype=torch.float64
        )
        if self.cell != "gru":
            for name, p in self.rnn.named_parameters():
                if name.startswith("bias_hh"):
                    p.requires_grad_(False)
        self.load(params)

    def _directions(self):
        for layer in range(self.net.num_layers):
            for d in range(self.net.n_directions):
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                yield layer, d == 1, suffix

    def _pairs(self):
        """(our name, torch tensor, transposed) of every trained parameter."""
        for layer, reverse, suffix in self._directions():

            def name(n, layer=layer, reverse=reverse):
                return layer_param_name(n, layer, reverse)

            yield name("W_xh"), getattr(self.rnn, f"weight_ih{suffix}"), True
            yield name("W_hh"), getattr(self.rnn, f"weight_hh{suffix}"), True
            if self.cell == "gru":
                yield name("b_xh"), getattr(self.rnn, f"bias_ih{suffix}"), False
                yield name("b_hh"), getattr(self.rnn, f"bias_hh{suffix}"), False
            else:
                yield name("b_h"), getattr(self.rnn, f"bias_ih{suffix}"), False
        yield "W_hy", self.head.weight, True
        yield "b_y", self.head.bias, False

    def load(self, params):
        views = self.net.layout.views(params)
        with torch.no_grad():
            for name, tensor, transposed in self._pairs():
                value = views[name].T if transposed else views[name]
                tensor.copy_(torch.from_numpy(np.ascontiguousarray(value)))
            if self.cell != "gru":
                for _, _, suffix in self._directions():
                    getattr(self.rnn, f"bias_hh{suffix}").zero_()

    def flat(self):
        """The torch weights in the engine's flat layout."""
        flat = self.net.layout.zeros()
        views = self.net.layout.views(flat)
        for name, tensor, transposed in self._pairs():
            value = tensor.detach().numpy()
            views[name][...] = value.T if transposed else value
        return flat

    def trainable(self):
        return [tensor for _, tensor, _ in self._pairs()]

    def weight_matrices(self):
        """What the L2 penalty covers: the W_ matrices, not the biases."""
        return [t for name, t, _ in self._pairs() if name.startswith("W_")]


class TorchAdam:
    """``torch.optim.Adam`` + ``clip_grad_norm_`` + the L2 penalty, per batch.

    The one concession to skrnn: before update ``t`` torch's ``eps`` is set
    to ``epsilon / sqrt(1 - beta_2**t)``, which makes torch's rule
    (``eps`` added to the bias-corrected ``sqrt(v_hat)``) the same function
    as scikit-learn's (``eps`` added to ``sqrt(v)``) that skrnn keeps.
    """

    def __init__(self, est, twin):
        self.twin = twin
        self.params = twin.trainable()
        self.beta_2, self.epsilon = est.beta_2, est.epsilon
        self.alpha, self.clip_norm = est.alpha, est.clip_norm
        self.opt = torch.optim.Adam(
            self.params,
            lr=est.learning_rate_init,
            betas=(est.beta_1, est.beta_2),
            eps=est.epsilon,
        )
        self.t = 0

    def step(self, data_loss, n_targets):
        """One update; return the loss (with penalty) and the gradient norm."""
        loss = data_loss
        if self.alpha:  # 0.5 * alpha / n * ||W||^2, MLP's penalty
            sq = sum((w * w).sum() for w in self.twin.weight_matrices())
            loss = loss + 0.5 * self.alpha / n_targets * sq
        self.opt.zero_grad()
        loss.backward()
        max_norm = np.inf if self.clip_norm is None else self.clip_norm
        norm = torch.nn.utils.clip_grad_norm_(self.params, max_norm)
        self.t += 1
        for group in self.opt.param_groups:
            group["eps"] = self.epsilon / np.sqrt(1.0 - self.beta_2**self.t)
        self.opt.step()
        return loss.item(), norm.item()


# ------------------------------------------------------------------ checks


def _rel(a, b):
    """max |a - b| / max(1, max |b|)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


# Tolerances, float64, on max|ours - torch| / max(1, max|torch|). Measured
# worst case over every test of this module (torch 2.13 CPU, OpenBLAS, one
# thread): 5.4e-16 on a loss, 2.2e-16 on a gradient norm, 9.7e-16 on the
# weights at any update and 8.9e-16 at the end, 4.4e-16 on a carried state:
# a few ulps, the two engines summing in different orders. 1e-13 leaves a
# margin of 100x for other BLAS builds and CPUs; the smallest real
# difference (Adam's eps in torch's place) is 1e-6 on a loss and 1e-3 on
# the weights.
LOSS_RTOL = 1e-13
PARAM_ATOL = 1e-13


def _torch_step(step, data_loss, n, adam, est, record):
    """One torch update on the recorded step's batch; compare and record it.

    ``record`` is ``(worst, clipped, totals)``: the worst deviations so far,
    whether each update clipped, and each epoch's loss total and targets.
    """
    worst, clipped, totals = record
    worst["loss"] = max(worst["loss"], _rel(step["net_loss"], data_loss.item()))
    loss, norm = adam.step(data_loss, n)
    worst["loss"] = max(worst["loss"], _rel(step["loss"], loss))
    worst["norm"] = max(worst["norm"], _rel(step["norm"], norm))
    clipped.append(norm > est.clip_norm)
    totals[step["epoch"]] += loss * n, n


def _finish(est, twin, worst, clipped, totals):
    """The loss curve's and final weights' deviations; ``(worst, clipped)``."""
    worst["loss_curve"] = _rel(est.loss_curve_, totals[:, 0] / totals[:, 1])
    worst["final"] = _final(est, twin)
    return worst, clipped


def _final(est, twin):
    """Worst deviation of the fitted ``params_`` from torch's, by name."""
    ours, theirs = est.params_, twin.net.layout.views(twin.flat())
    assert set(ours) == set(theirs)
    return max(_rel(ours[name], theirs[name]) for name in ours)


# ------------------------------------------------------------------- tagger


def _tagger_data(seed=0, n_sequences=20):
    """Variable-length sequences of 3 features, one of 3 labels per step."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 10, size=n_sequences)
    X = [rng.standard_normal((n, 3)) for n in lengths]
    y = [(x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5) for x in X]
    return X, y


def _replay_tagger(est, rec, X, y):
    """Replay the recorded batches in torch; return the worst deviations."""
    net = est._net
    twin = TorchTwin(net, rec.steps[0]["params"])
    adam = TorchAdam(est, twin)
    codes = [np.searchsorted(est.classes_, labels) for labels in y]
    worst = dict.fromkeys(["trajectory", "loss", "norm"], 0.0)
    totals = np.zeros((est.n_iter_, 2))  # per epoch: sum(loss * n), n
    clipped = []
    for step in rec.steps:
        worst["trajectory"] = max(
            worst["trajectory"], _rel(step["params"], twin.flat())
        )
        idx = step["idx"]
        packed = torch.nn.utils.rnn.pack_sequence(
            [torch.from_numpy(X[i]) for i in idx], enforce_sorted=False
        )
        out, _ = twin.rnn(packed)
        padded, lengths = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        features = torch.cat([padded[j, :n] for j, n in enumerate(lengths.tolist())])
        target = torch.from_numpy(np.concatenate([codes[i] for i in idx]))
        # the mean over the batch's steps: one label per step, every step alike
        data_loss = F.cross_entropy(twin.head(features), target)
        n = len(target)
        assert step["n_targets"] == n and step["normalizer"] == n
        assert step["weights"] is None and step["h0"] is None
        _torch_step(step, data_loss, n, adam, est, (worst, clipped, totals))
    return _finish(est, twin, worst, clipped, totals)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_tagger_fit_is_a_torch_loop(cell, bidirectional, monkeypatch):
    """RNNSequenceTagger.fit == torch (packed sequences, CE mean per step, L2,
    clip_grad_norm_, Adam) fed the same shuffled minibatches.

    Five epochs of four batches (6, 6, 6, 2 sequences of 1 to 9 steps),
    a new permutation each epoch. Measured worst cases over the six
    configurations (float64, torch 2.13, OpenBLAS, one thread), as
    max|diff| / max(1, max|torch|): per-update loss 4.2e-16, gradient norm
    2.2e-16, weights before any update 8.2e-16 (LSTM, bidirectional),
    ``loss_curve_`` 2.9e-16, final ``params_`` 7.7e-16.
    """
    X, y = _tagger_data()
    est = RNNSequenceTagger(
        cell=cell,
        hidden_size=5,
        bidirectional=bidirectional,
        learning_rate_init=0.01,
        alpha=1e-3,
        clip_norm=0.4,  # clips some of the updates, not all (asserted)
        batch_size=6,
        max_iter=5,
        dtype=np.float64,
        random_state=0,
    )
    rec = Recorder(monkeypatch)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.n_iter_ == 5 and len(rec.steps) == 5 * 4  # 20 sequences, 6 a batch
    # every epoch is a new permutation of the sequences, in batches of 6
    orders = []
    for epoch in range(5):
        batches = [s["idx"] for s in rec.steps if s["epoch"] == epoch]
        assert [len(b) for b in batches] == [6, 6, 6, 2]
        order = np.concatenate(batches)
        np.testing.assert_array_equal(np.sort(order), np.arange(len(X)))
        orders.append(tuple(order))
    assert len(set(orders)) == 5

    worst, clipped = _replay_tagger(est, rec, X, y)
    assert any(clipped) and not all(clipped)  # both branches of the clipping
    for key in ("loss", "norm", "loss_curve"):
        assert worst[key] < LOSS_RTOL, worst
    for key in ("trajectory", "final"):
        assert worst[key] < PARAM_ATOL, worst
    # and the training did move the weights well past the tolerance
    assert _rel(est._params, rec.steps[0]["params"]) > 1e-2


# ---------------------------------------------------------------- generator

TEXT = (
    "It was the best of times, it was the worst of times, it was the age of "
    "wisdom, it was the age of foolishness, it was the epoch of belief, it "
    "was the epoch of incredulity, it was the season of Light, it was the "
    "season of Darkness, it was the spring of hope, it was the winter of "
    "despair, we had everything before us, we had nothing before us."
)
CORPORA = {
    "one_document": TEXT,
    # documents of unequal lengths: streams cross document boundaries (the
    # state is reset there), end at different times (ragged last batches)
    "three_documents": [TEXT[:130], TEXT[130:171], TEXT[171:]],
}


def _corpus(docs):
    """Codes, vocabulary and document starts, computed here, not by skrnn."""
    docs = [docs] if isinstance(docs, str) else docs
    classes = np.array(sorted(set("".join(docs))))
    codes = np.concatenate([np.searchsorted(classes, list(d)) for d in docs])
    lengths = np.array([len(d) for d in docs])
    return codes, classes, np.cumsum(lengths) - lengths, lengths


def _check_windows(rec, codes, starts, lengths, seq_length):
    """Each epoch reads every (token, next token) pair of a document once,
    each stream's windows in order and back to back.

    Returns what the epochs exercised: the phases (length of the first
    windows), whether a batch had windows of unequal lengths, and whether a
    stream went on into a new document (a reset inside the epoch).
    """
    expected = np.concatenate(
        [np.arange(s, s + n - 1) for s, n in zip(starts, lengths, strict=True)]
    )
    phases, ragged, crossed = [], False, False
    for epoch in range(rec.epoch + 1):
        steps = [s for s in rec.steps if s["epoch"] == epoch]
        first = {n for _, n in steps[0]["windows"]}
        assert len(first) == 1 and 1 <= min(first) <= seq_length  # one phase
        phases.append(first.pop())
        positions, ends = [], {}
        for step in steps:
            for stream, (start, n) in zip(step["live"], step["windows"], strict=True):
                assert 1 <= n <= seq_length
                if stream in ends and ends[stream] != start:
                    assert start in starts  # only a new document breaks a stream
                    crossed = True
                ends[stream] = start + n
                positions.append(np.arange(start, start + n))
            ragged |= len({n for _, n in step["windows"]}) > 1
            # the engine's inputs are the windows' codes (here, the replay's)
            got = unpack_sequences(step["x"], step["packing"])
            want = [codes[s : s + n] for s, n in step["windows"]]
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(np.sort(np.concatenate(positions)), expected)
    return phases, ragged, crossed


def _replay_generator(est, rec, codes, doc_starts):
    """Replay the recorded windows in torch, carrying torch's own states."""
    net = est._net
    twin = TorchTwin(net, rec.steps[0]["params"])
    adam = TorchAdam(est, twin)
    V, H, S = len(est.classes_), net.hidden_size, net.n_states
    lstm = net.cell.has_cell_state
    worst = dict.fromkeys(["trajectory", "loss", "norm", "carry"], 0.0)
    totals = np.zeros((est.n_iter_, 2))
    clipped, state, epoch = [], {}, None
    for step in rec.steps:
        worst["trajectory"] = max(
            worst["trajectory"], _rel(step["params"], twin.flat())
        )
        if step["epoch"] != epoch:  # every epoch starts from the zero state
            state, epoch = {}, step["epoch"]
        zero = torch.zeros(S, H, dtype=torch.float64)
        h0, c0, inputs, targets = [], [], [], []
        for stream, (start, n) in zip(
            step["live"].tolist(), step["windows"], strict=True
        ):
            if start in doc_starts:  # a document starts from the zero state
                state.pop(stream, None)
            h, c = state.get(stream, (zero, zero))
            h0.append(h)
            c0.append(c)
            window = torch.from_numpy(codes[start : start + n])
            inputs.append(F.one_hot(window, V).to(torch.float64))
            targets.append(torch.from_numpy(codes[start + 1 : start + n + 1]))
        h0, c0 = torch.stack(h0, 1), torch.stack(c0, 1)  # (S, B, H)
        # the state torch carried is the state skrnn started this window from
        worst["carry"] = max(worst["carry"], _rel(step["h0"], h0.numpy()))
        if lstm:
            worst["carry"] = max(worst["carry"], _rel(step["c0"], c0.numpy()))
        hx = (h0, c0) if lstm else h0
        lengths = [len(t) for t in targets]
        if len(set(lengths)) == 1:
            out, hn = twin.rnn(torch.stack(inputs), hx)
            outs = list(out)
        else:
            packed = torch.nn.utils.rnn.pack_sequence(inputs, enforce_sorted=False)
            out, hn = twin.rnn(packed, hx)
            padded, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
            outs = [padded[j, :n] for j, n in enumerate(lengths)]
        h_n, c_n = hn if lstm else (hn, hn)
        for j, stream in enumerate(step["live"].tolist()):  # truncated BPTT
            state[stream] = (h_n[:, j].detach(), c_n[:, j].detach())
        target = torch.cat(targets)
        # the mean over the batch's predicted tokens
        data_loss = F.cross_entropy(twin.head(torch.cat(outs)), target)
        n = len(target)
        assert step["n_targets"] == n and step["normalizer"] is None
        _torch_step(step, data_loss, n, adam, est, (worst, clipped, totals))
    return _finish(est, twin, worst, clipped, totals)


@pytest.mark.parametrize("corpus", list(CORPORA))
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_generator_fit_is_a_torch_loop(cell, corpus, monkeypatch):
    """CharRNNGenerator.fit == torch truncated BPTT fed the same windows.

    Torch carries its own final states from window to window (detached),
    zeroes them at every epoch and document start, and must find the very
    states skrnn started each window from.

    Three epochs of 9 batches of 4 windows of up to 10 characters. Measured
    worst cases over the four configurations (float64, torch 2.13,
    OpenBLAS, one thread), as max|diff| / max(1, max|torch|): per-update
    loss 2.7e-16, gradient norm 1.6e-16, carried state (h and c) 4.4e-16,
    weights before any update 3.8e-16, ``loss_curve_`` 2.6e-16, final
    ``params_`` 3.8e-16.
    """
    codes, classes, doc_starts, doc_lengths = _corpus(CORPORA[corpus])
    est = CharRNNGenerator(
        cell=cell,
        hidden_size=8,
        seq_length=10,
        batch_size=4,
        max_iter=3,
        alpha=1e-3 if corpus == "three_documents" else 0.0,
        clip_norm=0.3,  # clips about half the updates (1.0: none here)
        dtype=np.float64,
        random_state=0,
    )
    rec = Recorder(monkeypatch)
    with pytest.warns(ConvergenceWarning):
        est.fit(CORPORA[corpus])
    np.testing.assert_array_equal(est.classes_, classes)
    assert est.n_iter_ == 3 and rec.epoch == 2
    phases, ragged, crossed = _check_windows(rec, codes, doc_starts, doc_lengths, 10)
    assert any(p < 10 for p in phases)  # some epoch's windows are shifted
    # three documents: a stream reads into the next document (its state is
    # reset there) and the batches hold windows of unequal lengths (torch
    # gets a PackedSequence)
    assert ragged == crossed == (corpus == "three_documents")

    worst, clipped = _replay_generator(est, rec, codes, set(doc_starts.tolist()))
    assert any(clipped) and not all(clipped)  # both branches of the clipping
    for key in ("loss", "norm", "loss_curve"):
        assert worst[key] < LOSS_RTOL, worst
    for key in ("carry", "trajectory", "final"):
        assert worst[key] < PARAM_ATOL, worst
    assert _rel(est._params, rec.steps[0]["params"]) > 1e-2


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_initialisation_is_skrnns(cell, monkeypatch):
    """The weights a fit starts from (difference 3 of the module docstring):
    orthogonal recurrent blocks, Glorot-uniform input and head weights, zero
    biases (the LSTM forget gate's too); not PyTorch's U(-1/sqrt(H), 1/sqrt(H))."""
    X, y = _tagger_data()
    H = 5
    est = RNNSequenceTagger(
        cell=cell, hidden_size=H, max_iter=1, dtype=np.float64, random_state=0
    )
    rec = Recorder(monkeypatch)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    P = est._net.layout.views(rec.steps[0]["params"])
    n_gates = {"lstm": 4, "gru": 3}[cell]
    for suffix in ("_l0", "_l0_reverse"):
        W_xh, W_hh = P["W_xh" + suffix], P["W_hh" + suffix]
        assert np.abs(W_xh).max() <= np.sqrt(6 / (3 + H))
        for k in range(n_gates):
            block = W_hh[:, k * H : (k + 1) * H]
            np.testing.assert_allclose(block.T @ block, np.eye(H), atol=1e-12)
        if cell == "lstm":
            np.testing.assert_array_equal(P["b_h" + suffix], 0.0)
        else:
            assert not P["b_xh" + suffix].any() and not P["b_hh" + suffix].any()
    assert np.abs(P["W_hy"]).max() <= np.sqrt(6 / (2 * H + 3))
    assert not P["b_y"].any()
