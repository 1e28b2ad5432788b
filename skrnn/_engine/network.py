# SPDX-License-Identifier: BSD-3-Clause
"""A recurrent network: input, stacked recurrent layers and a dense head.

The network owns the parameter layout and initialisation, and composes
:mod:`~skrnn._engine.layers`, the head and :mod:`~skrnn._engine.losses`.
It is stateless between calls: parameters come in as one flat vector, caches
and buffers live in the call, so one network object can serve several
threads at once.

Per-sequence arrays (many-to-one outputs, initial and final states) are in
the caller's order; packed arrays (dense inputs, token codes, many-to-many
outputs and targets) are in the layout of the :class:`~.packing.Packing`.
"""

import numpy as np

from .cells import make_cell
from .embedding import InputLayer
from .layers import (
    DropoutRates,
    cell_params,
    dense_head,
    layer_param_name,
    stack_backward,
    stack_forward,
)
from .losses import softmax_cross_entropy, squared_error
from .params import ParamLayout, glorot_uniform, orthogonal

__all__ = ["RecurrentNetwork", "HEADS", "LOSSES"]

#: ``'last'``: many-to-one (one output per sequence, from its final states);
#: ``'all'``: many-to-many (one output per step); ``None``: no head.
HEADS = ("last", "all", None)
LOSSES = {"cross_entropy": softmax_cross_entropy, "squared_error": squared_error}
#: Standard deviation of the initial embeddings. PyTorch's ``nn.Embedding``
#: draws N(0, 1); with 100-dimensional word vectors that gives inputs of norm
#: 10 that the first layer's gates saturate on, and the models overfit the
#: words sooner. Measured with the same settings otherwise (bidirectional
#: LSTM, Adam 1e-3, batch 32, best dev epoch): UD English-EWT tagging dev
#: accuracy 0.945 with 0.1 and 0.945 with 0.03, against 0.939 with 1; SST-2
#: sentiment dev accuracy 0.779 (0.1) and 0.787 (0.03) against 0.719 (1).
EMBEDDING_INIT_STD = 0.1


class ForwardCache:
    """What :meth:`RecurrentNetwork.backward` needs from a forward pass.

    Attributes
    ----------
    stack : list
        The recurrent stack's cache (see :func:`~.layers.stack_forward`).
    packing : Packing
    features : ndarray or None
        The head's input (None without a head).
    codes : ndarray or None
        The token codes of the input (None without token columns).
    output_mask : ndarray or None
        The output dropout's mask on the head's input (None without).
    """

    __slots__ = ("stack", "packing", "features", "codes", "output_mask")

    def __init__(self, stack, packing, features, codes, output_mask=None):
        self.stack, self.packing, self.features = stack, packing, features
        self.codes, self.output_mask = codes, output_mask


class RecurrentNetwork:
    """Stacked (bi)directional RNN, LSTM or GRU with an optional dense head.

    Parameters
    ----------
    cell : {'rnn', 'lstm', 'gru'}
    n_inputs : int
        Dense features per step (0 for token columns only), or the number of
        distinct tokens when ``token_input`` (token ``k`` selects row ``k``
        of ``W_xh_l0``: the product of a one-hot vector with the matrix,
        without the one-hot).
    hidden_size : int
    n_outputs : int or None
        Width of the head; None when ``head`` is None.
    num_layers : int, default=1
    bidirectional : bool, default=False
    dropout : float, default=0.0
        Dropout on the inputs of layers above the first, during training.
    input_dropout : float, default=0.0
        Dropout on the first layer's input (features, embedded dimensions,
        or whole tokens of the direct form), during training.
    output_dropout : float, default=0.0
        Dropout on the head's input (the last layer's output, or its final
        states for ``head='last'``), during training.
    recurrent_dropout : float, default=0.0
        Variational dropout on the state where it enters the recurrent
        product: one mask per sequence, layer and direction, during training
        (see :class:`~.layers.DropoutRates`).
    activation : {'tanh', 'relu'}, default='tanh'
        Vanilla cell only.
    head : {'last', 'all', None}, default='last'
    token_input : bool, default=False
        One token column of ``n_inputs`` codes, read directly (the same as
        ``n_inputs=0, vocab_sizes=[n_inputs]``, with the parameters stored
        in this order).
    vocab_sizes : sequence of int, default=None
        Codes of each categorical column of the input (see
        :mod:`~.embedding`): the input is then ``(N, n_columns)`` codes, or
        a pair ``(codes, dense)`` with dense features.
    embedding_dims : sequence of int, default=None
        Embedding size of each column (tables ``E_k``); None reads the codes
        directly as rows of ``W_xh_l0``.
    dtype : numpy dtype, default=np.float32

    Attributes
    ----------
    layout : ParamLayout
        Names and shapes of the parameters: per layer ``l`` and direction,
        ``W_xh_l{l}``, ``W_hh_l{l}`` and the biases (``_reverse`` suffix for
        the backward direction), then the head ``W_hy`` and ``b_y``, then
        the embedding tables ``E_k`` (``(V_k, d_k)``).
    inputs : InputLayer
        The token columns and dense features (see :mod:`~.embedding`).
    """

    def __init__(
        self,
        cell,
        n_inputs,
        hidden_size,
        n_outputs=None,
        *,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        input_dropout=0.0,
        output_dropout=0.0,
        recurrent_dropout=0.0,
        activation="tanh",
        head="last",
        token_input=False,
        vocab_sizes=None,
        embedding_dims=None,
        dtype=np.float32,
    ):
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}")
        if head is not None and n_outputs is None:
            raise ValueError("n_outputs is required when there is a head.")
        self.cell = make_cell(cell, activation)
        self.n_inputs = int(n_inputs)
        self.hidden_size = int(hidden_size)
        self.n_outputs = n_outputs
        self.num_layers = int(num_layers)
        self.bidirectional = bool(bidirectional)
        self.n_directions = 2 if bidirectional else 1
        rates = DropoutRates(dropout, input_dropout, recurrent_dropout, output_dropout)
        self.dropout, self.input_dropout = rates.between, rates.inputs
        self.recurrent_dropout, self.output_dropout = rates.recurrent, rates.output
        self.head = head
        self.token_input = bool(token_input)
        if self.token_input:
            self.inputs = InputLayer(0, [self.n_inputs])
        else:
            self.inputs = InputLayer(self.n_inputs, vocab_sizes or (), embedding_dims)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.layout = ParamLayout(self._shapes(), self.dtype)

    def __setstate__(self, state):
        """Load a network pickled by an earlier version.

        Networks from before token columns (dense or one column) get their
        input layer; from before input, output and recurrent dropout, those
        rates at 0.
        """
        for name in ("input_dropout", "output_dropout", "recurrent_dropout"):
            state.setdefault(name, 0.0)
        if "inputs" not in state:
            n_inputs = state["n_inputs"]
            tokens = state.get("token_input", False)
            state["inputs"] = (
                InputLayer(0, [n_inputs]) if tokens else InputLayer(n_inputs)
            )
        self.__dict__.update(state)

    def _shapes(self):
        shapes = {}
        H = self.hidden_size
        for layer in range(self.num_layers):
            n_in = self.inputs.width if layer == 0 else self.n_directions * H
            for d in range(self.n_directions):
                for name, shape in self.cell.param_shapes(n_in, H).items():
                    shapes[layer_param_name(name, layer, d == 1)] = shape
        if self.head is not None:
            shapes["W_hy"] = (self.n_directions * H, self.n_outputs)
            shapes["b_y"] = (self.n_outputs,)
        shapes.update(self.inputs.param_shapes())
        return shapes

    @property
    def weight_names(self):
        """list of str: the weight matrices (L2-penalised; biases are not)."""
        return [n for n in self.layout.names if n.startswith("W_")]

    @property
    def weight_spans(self):
        """list of (int, int): ``(start, stop)`` of each weight matrix.

        Where the parameters of :attr:`weight_names` lie in the flat buffer,
        in storage order: the ``spans`` of
        :func:`~.optimizers.add_l2_penalty`.
        """
        return [self.layout.offsets[n] for n in self.weight_names]

    @property
    def table_names(self):
        """list of str: the token tables, whose gradients are row-sparse.

        The embeddings ``E_k``, or the first layer's ``W_xh`` (each
        direction's) when token codes select its rows.
        """
        if not self.inputs.n_columns:
            return []
        first = [layer_param_name("W_xh", 0, d == 1) for d in range(self.n_directions)]
        return self.inputs.table_names(first)

    def touched_rows(self, x, n_rows):
        """The rows of each token table that the batch ``x`` touches.

        Parameters
        ----------
        x : ndarray or tuple
            A packed input, as for :meth:`forward`.
        n_rows : int
            Its packed rows.

        Returns
        -------
        list of TableRows
            One per :attr:`table_names` entry (see :mod:`~.embedding`).
        """
        if not self.inputs.n_columns:
            return []
        codes, _ = self.inputs.split(x, n_rows)
        return self.inputs.touched_rows(codes, self.layout, self.table_names)

    @property
    def n_states(self):
        """int: number of state vectors per sequence (layers x directions)."""
        return self.num_layers * self.n_directions

    def init_params(self, rng):
        """Draw initial parameters.

        Glorot-uniform input and head weights, orthogonal recurrent weights
        (one orthogonal block per gate), zero biases (the LSTM forget gate's
        is :data:`~.cells.FORGET_BIAS_INIT`), embeddings normal with standard deviation
        :data:`EMBEDDING_INIT_STD`.
        Drawn in float64 from ``rng``, then cast, so float32 and float64
        networks start from the same weights.

        Parameters
        ----------
        rng : numpy.random.Generator

        Returns
        -------
        params : ndarray of shape (layout.size,)
        """
        flat = self.layout.zeros()
        param_views = self.layout.views(flat)
        H, n_gates = self.hidden_size, self.cell.n_gates
        for layer in range(self.num_layers):
            for d in range(self.n_directions):
                p = cell_params(param_views, self.cell, layer, d == 1)
                n_in = p["W_xh"].shape[0]
                for k in range(n_gates):
                    cols = slice(k * H, (k + 1) * H)
                    p["W_xh"][:, cols] = glorot_uniform(rng, n_in, H, (n_in, H))
                    p["W_hh"][:, cols] = orthogonal(rng, H)
                self.cell.init_biases(p, H)
        if self.head is not None:
            fan_in = self.n_directions * H
            param_views["W_hy"][...] = glorot_uniform(
                rng, fan_in, self.n_outputs, (fan_in, self.n_outputs)
            )
        for name, shape in self.inputs.param_shapes().items():
            param_views[name][...] = EMBEDDING_INIT_STD * rng.standard_normal(shape)
        return flat

    def _initial_state(self, state, packing, name):
        shape = (self.n_states, packing.n_sequences, self.hidden_size)
        if state is None:
            return np.zeros(shape, dtype=self.dtype)
        state = np.asarray(state)
        if state.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {state.shape}.")
        if state.dtype != self.dtype:
            raise TypeError(f"{name} must have dtype {self.dtype}, got {state.dtype}.")
        return packing.sort(state, axis=1)

    def forward(
        self, params, x, packing, h0=None, c0=None, *, need_cache=False, rng=None
    ):
        """Forward pass.

        Parameters
        ----------
        params : ndarray of shape (layout.size,)
        x : ndarray of shape (N, n_inputs), or int ndarray of shape (N,)
            Packed input rows (or token codes).
        packing : Packing
        h0, c0 : ndarray of shape (n_states, B, H), default=None
            Initial states, caller's order; None means zeros. ``c0`` is for
            the LSTM only.
        need_cache : bool, default=False
            Keep what :meth:`backward` needs (training).
        rng : numpy.random.Generator, default=None
            Source of the dropout masks; None disables dropout (inference).

        Returns
        -------
        y : ndarray
            ``(B, n_outputs)`` in the caller's order for ``head='last'``;
            ``(N, n_outputs)`` packed for ``head='all'``; the last layer's
            packed output ``(N, n_directions * H)`` for ``head=None``.
        h_n, c_n : ndarray of shape (n_states, B, H)
            Final states, caller's order (``c_n`` None unless LSTM).
        cache : ForwardCache or None
        """
        param_views = self.layout.views(params)
        x0, codes = self.inputs.forward(param_views, x, packing.n_rows, self.dtype)
        has_c = self.cell.has_cell_state
        h0 = self._initial_state(h0, packing, "h0")
        c0 = self._initial_state(c0, packing, "c0") if has_c else None
        out, h_n, c_n, stack_cache = stack_forward(
            self.cell,
            param_views,
            x0,
            packing,
            h0,
            c0,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            dropout=self.dropout_rates,
            rng=rng,
            need_cache=need_cache,
            token_input=self.inputs.direct,
        )
        y, features, mask = self._head_forward(param_views, out, h_n, packing, rng)
        cache = None
        if need_cache:
            cache = ForwardCache(stack_cache, packing, features, codes, mask)
        h_n = packing.unsort(h_n, axis=1)
        c_n = packing.unsort(c_n, axis=1) if has_c else None
        return y, h_n, c_n, cache

    @property
    def dropout_rates(self):
        """DropoutRates: the network's dropout in training."""
        return DropoutRates(
            self.dropout,
            self.input_dropout,
            self.recurrent_dropout,
            self.output_dropout,
        )

    def _head_forward(self, param_views, out, h_n, packing, rng=None):
        """The head's output from the stack's output and final states.

        Returns
        -------
        y : ndarray
            As :meth:`forward` returns it (the stack's output without a
            head; the caller's order for ``head='last'``).
        features : ndarray or None
            The head's input after output dropout (None without a head).
        mask : ndarray or None
            The output dropout's mask (None without).
        """
        if self.head is None:
            return out, None, None
        features = out if self.head == "all" else self._last_features(h_n)
        mask = self.dropout_rates.output_mask(features.shape, self.dtype, rng)
        if mask is not None:
            features = features * mask
        y = dense_head(features, param_views["W_hy"], param_views["b_y"])
        if self.head == "last":
            y = packing.unsort(y)
        return y, features, mask

    def _last_features(self, h_n):
        """Final states of the last layer's directions, side by side: (B, D*H)."""
        first = (self.num_layers - 1) * self.n_directions
        return np.concatenate(list(h_n[first:]), axis=1)

    def backward(self, params, cache, dy, dh_n=None, dc_n=None, *, need_dx=False):
        """Backward pass (backpropagation through time).

        Parameters
        ----------
        params : ndarray of shape (layout.size,)
        cache : ForwardCache
            From :meth:`forward` with ``need_cache=True`` (consumed).
        dy : ndarray or None
            Gradient with respect to ``y``, same shape and order.
        dh_n, dc_n : ndarray of shape (n_states, B, H), default=None
            Gradients with respect to the final states (caller's order).
        need_dx : bool, default=False
            Return the gradient with respect to the dense features of the
            input (None for token columns alone).

        Returns
        -------
        grads : ndarray of shape (layout.size,)
        dx : ndarray of shape (N, n_inputs) or None
        dh0, dc0 : ndarray of shape (n_states, B, H)
            Gradients with respect to the initial states (caller's order;
            ``dc0`` None unless LSTM).
        """
        packing = cache.packing
        param_views = self.layout.views(params)
        grads = self.layout.zeros()
        grad_views = self.layout.views(grads)
        dh_n = None if dh_n is None else packing.sort(dh_n, axis=1).copy()
        dc_n = None if dc_n is None else packing.sort(dc_n, axis=1)
        d_out = dy
        if self.head is not None:
            d_out, dh_n = self._head_backward(
                param_views["W_hy"], cache, dy, dh_n, grad_views
            )
        embedded = self.inputs.embedded
        dx, dh0, dc0 = stack_backward(
            cache.stack, d_out, dh_n, dc_n, grad_views, need_dx=need_dx or embedded
        )
        if embedded:
            self.inputs.backward(cache.codes, dx, grad_views)
            n_dense = self.inputs.n_dense
            dx = dx[:, dx.shape[1] - n_dense :] if need_dx and n_dense else None
        dh0 = packing.unsort(dh0, axis=1)
        dc0 = None if dc0 is None else packing.unsort(dc0, axis=1)
        return grads, dx, dh0, dc0

    def _head_backward(self, W_hy, cache, dy, dh_n, grad_views):
        """Backpropagate through the head; write its weights' gradients.

        Parameters
        ----------
        W_hy : ndarray of shape (n_directions * H, n_outputs)
        cache : ForwardCache
        dy : ndarray or None
            Gradient with respect to the head's output (caller's order).
        dh_n : ndarray of shape (n_states, B, H) or None
            Gradient with respect to the final states, sorted order (a copy:
            the head's part is added to it in place).
        grad_views : dict of ndarray

        Returns
        -------
        d_out : ndarray of shape (N, n_directions * H) or None
            Gradient with respect to the stack's packed output.
        dh_n : ndarray of shape (n_states, B, H) or None
            ``dh_n`` with the head's gradient added (``head='last'``).
        """
        if dy is None:
            return None, dh_n
        packing, H = cache.packing, self.hidden_size
        if self.head == "last":
            dy = packing.sort(dy)
        np.matmul(cache.features.T, dy, out=grad_views["W_hy"])
        np.sum(dy, axis=0, out=grad_views["b_y"])
        d_features = dy @ W_hy.T
        if cache.output_mask is not None:
            d_features *= cache.output_mask
        if self.head == "all":
            return d_features, dh_n
        if dh_n is None:
            dh_n = np.zeros((self.n_states, packing.n_sequences, H), dtype=self.dtype)
        first = (self.num_layers - 1) * self.n_directions
        for d in range(self.n_directions):
            dh_n[first + d] += d_features[:, d * H : (d + 1) * H]
        return None, dh_n

    def loss_and_grad(
        self,
        params,
        x,
        packing,
        y,
        *,
        loss,
        weights=None,
        normalizer=None,
        h0=None,
        c0=None,
        rng=None,
    ):
        """Loss and gradient of a batch, in one forward and one backward pass.

        Parameters
        ----------
        params : ndarray of shape (layout.size,)
        x : ndarray
            Packed inputs, as for :meth:`forward`.
        packing : Packing
        y : ndarray
            Targets: class indices ``(B,)`` / ``(N,)`` for ``'cross_entropy'``,
            values ``(B, n_outputs)`` / ``(N, n_outputs)`` for
            ``'squared_error'``, in the order of the head's output.
        loss : {'cross_entropy', 'squared_error'}
        weights : ndarray of shape (B,) or (N,), default=None
            Per-sequence or per-step weights (0 masks a row out).
        normalizer : float, default=None
            See :mod:`~skrnn._engine.losses`.
        h0, c0 : ndarray of shape (n_states, B, H), default=None
        rng : numpy.random.Generator, default=None
            Dropout masks (None: no dropout).

        Returns
        -------
        loss : float
        grads : ndarray of shape (layout.size,)
        h_n, c_n : ndarray of shape (n_states, B, H)
            Final states (for carrying into the next window).
        """
        if self.head is None:
            raise ValueError("loss_and_grad needs a network with a head.")
        out, h_n, c_n, cache = self.forward(
            params, x, packing, h0, c0, need_cache=True, rng=rng
        )
        value, dy = LOSSES[loss](out, y, weights, normalizer)
        grads, _, _, _ = self.backward(params, cache, dy)
        return value, grads, h_n, c_n
