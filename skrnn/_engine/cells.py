# SPDX-License-Identifier: BSD-3-Clause
"""Recurrent cells: one time step forward and backward.

A cell knows the equations of one step and nothing else; the loop over time
lives in :mod:`skrnn._engine.layers`. Every cell works on *packed* buffers
(see :mod:`skrnn._engine.packing`): the rows of step ``t`` are
``a:b = offsets[t]:offsets[t + 1]`` and the live sequences are the first
``n = b - a`` rows of the running state. Parameters follow PyTorch's layout,
transposed so that a step is ``h @ W_hh`` (row vectors):

========  =======  =========================  ===============================
cell      gates    ``W_xh``, ``W_hh``          biases
========  =======  =========================  ===============================
``rnn``   ``h``    ``(n_in, H)``, ``(H, H)``   ``b_h (H,)``
``lstm``  i f g o  ``(n_in, 4H)``, ``(H, 4H)``  ``b_h (4H,)``
``gru``   r z n    ``(n_in, 3H)``, ``(H, 3H)``  ``b_xh (3H,)``, ``b_hh (3H,)``
========  =======  =========================  ===============================

PyTorch's ``weight_ih_l0`` is ``W_xh.T``, ``weight_hh_l0`` is ``W_hh.T``; its
two biases ``bias_ih + bias_hh`` are our single ``b_h`` for the vanilla and
LSTM cells (the sum is all that enters the equations). The GRU keeps both,
because ``b_hn`` sits inside the reset gate's product.

Sigmoids are computed as ``0.5 * tanh(0.5 * x) + 0.5``: ``np.tanh`` is
vectorised and several times faster than ``scipy.special.expit``. The factor
0.5 is folded once into the columns of the weights of the sigmoid gates
(:meth:`forward_weights`); multiplying by 0.5 is exact in binary floating
point, so the result is the same as applying the scale at every step.

A cell also owns the arrays of its steps (:meth:`allocate`,
:meth:`allocate_backward`, into a :class:`DirectionBuffers`) and, after the
backward loop, reduces its own weight gradients (:meth:`weight_grads`), so
that the time loop of :mod:`~skrnn._engine.layers` is the same for every
cell.
"""

import numpy as np

from .embedding import scatter_rows
from .kernels import step_kernels

__all__ = [
    "FORGET_BIAS_INIT",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "CELLS",
    "DirectionBuffers",
    "StepWeights",
    "make_cell",
    "recurrent_transpose",
    "unaliased_empty",
]


#: The LSTM forget gate's initial bias: 0, as in PyTorch (whose two biases
#: start near 0), rather than the 1 of Jozefowicz et al. (2015) and Keras's
#: ``unit_forget_bias``, because its held-out loss fell faster. Measured with
#: the rest of the initialisation unchanged, bias 1 against 0, paired by seed:
#: a character LSTM (hidden 256, windows of 64, 64 streams, Adam 2e-3) on the
#: bundled corpus, loss on its last 10% after 3 epochs, seeds 0-3: 1.953
#: against 1.887 nats per character (0 better at every seed); hidden 128, 5
#: epochs, seeds 0-1: 1.952 against 1.902. On dev accuracy no difference:
#: UD English-EWT tagging (bidirectional LSTM, 10 epochs, seeds 0-2: 0.9191
#: against 0.9194; with dropout 0.9261 against 0.9265) and SST-2 sentiment
#: (3 epochs, seeds 0-9: 0.779 against 0.785), though there 1 fits the
#: training set faster (training loss 1-3% lower).
FORGET_BIAS_INIT = 0.0


class StepWeights:
    """The weights of one direction as its forward step uses them.

    Parameters
    ----------
    W_xh : ndarray of shape (n_inputs, n_gates * H)
        Input weights (sigmoid-gate columns scaled by 0.5).
    b_in : ndarray of shape (n_gates * H,)
        Bias added to the input projection.
    W_hh : ndarray of shape (H, n_gates * H)
        Recurrent weights (sigmoid-gate columns scaled by 0.5), laid out by
        :func:`unaliased_empty` (rows contiguous, the matrix not always).
    b_hh : ndarray of shape (n_gates * H,) or None
        Bias added to the recurrent product (the GRU's; None otherwise).
    """

    __slots__ = ("W_xh", "b_in", "W_hh", "b_hh")

    def __init__(self, W_xh, b_in, W_hh, b_hh):
        self.W_xh, self.b_in, self.W_hh, self.b_hh = W_xh, b_in, W_hh, b_hh


class DirectionBuffers:
    """The arrays one direction of one layer works in, forward then backward.

    ``N`` packed rows, ``B`` sequences, hidden size ``H``, ``G`` gates. An
    array a cell does not use stays None.

    Attributes
    ----------
    gates : ndarray of shape (N, G * H)
        The input projection, then the gate activations, then (backward)
        the gradient of the input pre-activations.
    h_state : ndarray of shape (B, H)
        The running hidden state of every sequence.
    h_out : ndarray of shape (N, H)
        The hidden state at every packed row.
    h_prev : ndarray of shape (N, H) or None
        The previous hidden state at every row (kept for the backward pass).
    scratch : ndarray of shape (B, G * H)
        Scratch rows of a step.
    need_cache : bool
        Whether the forward steps keep what the backward pass needs.
    c_state, c_prev, tanh_c : ndarray or None
        LSTM: the running cell state ``(B, H)``; the previous cell state and
        ``tanh(c)`` at every row ``(N, H)`` (kept for the backward pass).
    scratch_h : ndarray of shape (B, H) or None
        LSTM and GRU: scratch rows of width ``H``.
    gh_n : ndarray of shape (N, H) or None
        GRU: ``h_{t-1} @ W_hn + b_hn`` at every row.
    dh_state, dc_state : ndarray of shape (B, H) or None
        Backward: the running gradients of the hidden (and cell) state.
    d_rec : ndarray of shape (N, G * H) or None
        GRU backward: the gradient of the recurrent pre-activations.
    rec_mask : ndarray of shape (B, H) or None
        Variational recurrent dropout: one mask per sequence for the whole
        sequence (0, or ``1 / (1 - rate)``), applied to ``h_{t-1}`` where it
        enters the recurrent product (Gal & Ghahramani, 2016). None without.
    rec_rows : ndarray of intp of shape (N,) or None
        With ``rec_mask``: the row of ``rec_mask`` (the sequence) of every
        packed row.
    masked_h : ndarray of shape (B, H) or None
        Scratch rows for the masked state of a step.
    kernels : module or None
        The compiled step kernels (:mod:`~.kernels`) the steps run, or None
        for the NumPy code of the cell.
    """

    __slots__ = (
        "gates",
        "h_state",
        "h_out",
        "h_prev",
        "scratch",
        "need_cache",
        "c_state",
        "c_prev",
        "tanh_c",
        "scratch_h",
        "gh_n",
        "dh_state",
        "dc_state",
        "d_rec",
        "rec_mask",
        "rec_rows",
        "masked_h",
        "kernels",
    )

    def __init__(self, gates, h_state, h_out, h_prev, scratch, need_cache):
        self.gates, self.h_state, self.h_out = gates, h_state, h_out
        self.h_prev, self.scratch, self.need_cache = h_prev, scratch, need_cache
        self.c_state = self.c_prev = self.tanh_c = self.scratch_h = None
        self.gh_n = self.dh_state = self.dc_state = self.d_rec = None
        self.rec_mask = self.rec_rows = self.masked_h = None
        self.kernels = step_kernels(gates.dtype) if gates.flags.c_contiguous else None

    def set_recurrent_mask(self, mask, row_sequences):
        """Apply ``mask`` to the state where it enters the recurrent product.

        Parameters
        ----------
        mask : ndarray of shape (B, H)
            One row per sequence, in sorted order.
        row_sequences : ndarray of intp of shape (N,)
            The sequence (sorted order) of every packed row
            (:meth:`~.packing.Packing.packed_index`).
        """
        self.rec_mask, self.rec_rows = mask, row_sequences
        self.masked_h = np.empty_like(self.h_state)

    def recurrent_input(self, h, n):
        """``h`` (the first ``n`` states) as the recurrent product reads it.

        ``h`` itself without recurrent dropout; with it, ``h * rec_mask``
        written into scratch rows.
        """
        if self.rec_mask is None:
            return h
        out = self.masked_h[:n]
        np.multiply(h, self.rec_mask[:n], out=out)
        return out

    def mask_recurrent_grad(self, dh, n):
        """In place: the recurrent product's state gradient through the mask."""
        if self.rec_mask is not None:
            dh *= self.rec_mask[:n]

    def recurrent_h_prev(self):
        """``h_prev`` of every row as the recurrent product read it: (N, H)."""
        if self.rec_mask is None:
            return self.h_prev
        return self.h_prev * self.rec_mask[self.rec_rows]


#: Rows of a matrix that are a multiple of this many bytes apart share cache
#: sets; :func:`unaliased_empty` moves them apart by :data:`_ROW_PAD_BYTES`.
_ALIASED_ROW_BYTES = 2048
_ROW_PAD_BYTES = 64


def unaliased_empty(shape, dtype):
    """An uninitialised matrix whose rows are not a multiple of 2 KiB apart.

    OpenBLAS multiplies by a weight matrix whose rows are a multiple of
    2 KiB apart (a power-of-two leading dimension: float32 LSTM weights
    ``(H, 4H)`` at hidden 128 and more, vanilla ones ``(H, H)`` at 512) much
    slower than by the same numbers one cache line further apart: its
    packing reads hit the same cache sets. Measured on an AVX-512 EPYC
    (2 threads, float32), ``(B, H) @ (H, 4H)``: 146 against 106 µs at B=32,
    H=256; 897 against 727 µs at B=64, H=512; 261 against 170 µs at B=8,
    H=512; at hidden 64 and in float64, no difference either way.

    Parameters
    ----------
    shape : tuple of (int, int)
    dtype : dtype

    Returns
    -------
    ndarray of shape ``shape``
        C-contiguous when its rows are not a multiple of 2 KiB long;
        otherwise the leading columns of a matrix 64 bytes wider (the
        last axis contiguous, the rows 64 bytes further apart), which BLAS
        takes as it is, with its leading dimension.
    """
    rows, cols = shape
    itemsize = np.dtype(dtype).itemsize
    if not _aliased_rows(cols, itemsize):
        return np.empty(shape, dtype=dtype)
    padded = np.empty((rows, cols + _ROW_PAD_BYTES // itemsize), dtype=dtype)
    return padded[:, :cols]


def unaliased_copy(a):
    """``a`` (2-D) itself, or a copy of it into :func:`unaliased_empty`.

    ``a`` is returned unchanged when it is C-contiguous with rows that are
    not a multiple of 2 KiB long.
    """
    if a.flags.c_contiguous and not _aliased_rows(a.shape[1], a.itemsize):
        return a  # nothing to allocate: a forward pass asks at every call
    out = unaliased_empty(a.shape, a.dtype)
    out[...] = a
    return out


def _aliased_rows(cols, itemsize):
    """Whether rows of ``cols`` items are a multiple of 2 KiB long."""
    return (cols * itemsize) % _ALIASED_ROW_BYTES == 0


def recurrent_transpose(p):
    """The recurrent weights transposed, what the backward steps multiply by.

    Parameters
    ----------
    p : dict of str to ndarray
        The cell's parameters.

    Returns
    -------
    ndarray of shape (n_gates * H, H)
        ``p["W_hh"].T`` copied into :func:`unaliased_empty`: OpenBLAS
        multiplies by a C-contiguous copy 15 to 20% faster than by the
        transposed view at hidden 256 to 512 (float32, 64 rows), and a
        backward pass makes the copy once for all its steps.
    """
    return unaliased_copy(p["W_hh"].T)


def _scaled_recurrent(p, scale):
    """``p["W_hh"] * scale`` (by column), into :func:`unaliased_empty`."""
    W_hh = p["W_hh"]
    out = unaliased_empty(W_hh.shape, W_hh.dtype)
    np.multiply(W_hh, scale, out=out)
    return out


def _affine_half(x):
    """In place: ``x <- 0.5 * x + 0.5`` (turns ``tanh(z/2)`` into sigmoid(z))."""
    x *= 0.5
    x += 0.5


def _input_grads(x, d_in, token_input, out_W, out_b, input_scale=None):
    """Write ``x.T @ d_in`` into ``out_W``, the sum of ``d_in``'s rows into ``out_b``.

    ``out_W`` is the input weights' gradient: for token codes, a scatter-add
    of rows, written only into the rows of the codes (the product of their
    one-hot rows is zero elsewhere, and ``out_W``, a view of a fresh gradient
    buffer, already holds zeros there); ``input_scale`` (shape of the codes)
    scales each code's one-hot row (input dropout). ``out_b`` is the input
    bias's gradient.

    With one code per row and no scale, every row of ``d_in`` goes whole
    into one row of ``out_W``, so the bias's gradient is also the sum of the
    rows written; it is taken there when they are fewer than half the
    batch's rows (68 against 4,096 for a character model's batch of 64
    windows of 64: a pass over the batch's gradient saved). The additions
    come in another order than the batch's sum, so the two may differ in
    their last bits.
    """
    if not token_input:
        np.matmul(x.T, d_in, out=out_W)
        np.sum(d_in, axis=0, out=out_b)
        return
    rows = scatter_rows(x, d_in, out_W, scale=input_scale)
    one_code = x.ndim == 1 or x.shape[1] == 1
    if one_code and input_scale is None and 2 * rows.shape[0] < d_in.shape[0]:
        np.sum(out_W[rows], axis=0, out=out_b)
    else:
        np.sum(d_in, axis=0, out=out_b)


class _Cell:
    """Shared machinery of the three cells."""

    #: number of gate blocks stacked in the columns of W_xh and W_hh
    n_gates = 1
    #: True for the LSTM, whose state is the pair (h, c)
    has_cell_state = False
    #: columns (in gate blocks) that go through a sigmoid
    sigmoid_gates = ()
    #: parameter names: input weights, recurrent weights, biases
    param_names = ("W_xh", "W_hh", "b_h")
    #: numbers per packed row, in units of the hidden size, that the forward
    #: cache and the backward pass keep besides the gates, ``h_out`` and
    #: ``h_prev`` (counted by :mod:`~.memory` before a fit allocates them)
    extra_cache_width = 0

    def __init__(self, activation="tanh"):
        self.activation = activation

    def param_shapes(self, n_inputs, hidden_size):
        """Shapes of the cell's parameters, by name."""
        gh = self.n_gates * hidden_size
        return {
            "W_xh": (n_inputs, gh),
            "W_hh": (hidden_size, gh),
            "b_h": (gh,),
        }

    def _column_scale(self, hidden_size, dtype):
        scale = np.ones(self.n_gates * hidden_size, dtype=dtype)
        for gate in self.sigmoid_gates:
            scale[gate * hidden_size : (gate + 1) * hidden_size] = 0.5
        return scale

    def forward_weights(self, p, hidden_size):
        """Weights as the forward step uses them.

        Parameters
        ----------
        p : dict of str to ndarray
            The cell's parameters, by name.
        hidden_size : int

        Returns
        -------
        StepWeights
            The input weights and the bias folded into the input projection,
            the recurrent weights and the bias added after the recurrent
            product (None when there is none), with the columns of the
            sigmoid gates scaled by 0.5.
        """
        if not self.sigmoid_gates:
            return StepWeights(p["W_xh"], p["b_h"], unaliased_copy(p["W_hh"]), None)
        s = self._column_scale(hidden_size, p["W_hh"].dtype)
        return StepWeights(p["W_xh"] * s, p["b_h"] * s, _scaled_recurrent(p, s), None)

    def init_biases(self, p, hidden_size):
        """Set the initial biases in place (zeros unless the cell says)."""
        for name in self.param_names[2:]:
            p[name][...] = 0

    def allocate(self, XW, h0, c0, n_rows, need_cache):
        """Buffers for the forward steps of one direction of one layer.

        Parameters
        ----------
        XW : ndarray of shape (n_rows, n_gates * H)
            The input projection of every step; the loop writes the gate
            activations (and later their gradients) into it in place.
        h0, c0 : ndarray of shape (batch, H)
            Initial state in sorted order (``c0`` for the LSTM only).
        n_rows : int
        need_cache : bool
            Keep what backpropagation needs.

        Returns
        -------
        DirectionBuffers
        """
        H = h0.shape[1]
        return DirectionBuffers(
            gates=XW,
            h_state=h0.astype(XW.dtype),  # a copy, in the network's dtype
            h_out=np.empty((n_rows, H), dtype=XW.dtype),
            h_prev=np.empty((n_rows, H), dtype=XW.dtype) if need_cache else None,
            scratch=np.empty((h0.shape[0], XW.shape[1]), dtype=XW.dtype),
            need_cache=need_cache,
        )

    def allocate_backward(self, buf, dh_n, dc_n):
        """Add the backward pass's arrays to forward buffers, in place.

        Parameters
        ----------
        buf : DirectionBuffers
            From :meth:`allocate` with ``need_cache=True``, after the forward
            steps.
        dh_n, dc_n : ndarray of shape (batch, H) or None
            Gradients with respect to the final states (sorted order; None
            means zero). Copied.
        """
        B, H = buf.h_state.shape
        dtype = buf.gates.dtype
        buf.dh_state = np.zeros((B, H), dtype) if dh_n is None else dh_n.astype(dtype)

    def weight_grads(self, buf, x, token_input, grads, input_scale=None):
        """Reduce the parameters' gradients after the backward steps.

        Parameters
        ----------
        buf : DirectionBuffers
            After the backward steps: ``gates`` holds the gradient of the
            input pre-activations of every row.
        x : ndarray of shape (N, n_inputs), or int ndarray of shape (N,)
            The direction's input (token codes when ``token_input``).
        token_input : bool
        grads : dict of str to ndarray
            Views where the gradients are written (assigned).
        input_scale : ndarray or None, default=None
            Token input: the scale of each code (input dropout), as
            :func:`~skrnn._engine.layers.input_projection` applied it.
        """
        d_in = buf.gates
        np.matmul(buf.recurrent_h_prev().T, d_in, out=grads["W_hh"])
        _input_grads(x, d_in, token_input, grads["W_xh"], grads["b_h"], input_scale)


class RNNCell(_Cell):
    """Vanilla (Elman) cell: ``h_t = act(x_t @ W_xh + h_{t-1} @ W_hh + b_h)``.

    Parameters
    ----------
    activation : {'tanh', 'relu'}, default='tanh'
    """

    name = "rnn"

    def __init__(self, activation="tanh"):
        if activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
        super().__init__(activation)

    def forward_step(self, W, buf, a, b):
        """One step: rows ``a:b`` of the packed buffers (``W``: StepWeights)."""
        n = b - a
        g = buf.gates[a:b]
        h = buf.h_state[:n]
        scratch = buf.scratch[:n]
        np.matmul(buf.recurrent_input(h, n), W.W_hh, out=scratch)
        if buf.kernels is not None:
            h_prev = buf.h_prev[a:b] if buf.need_cache else None
            relu = self.activation == "relu"
            buf.kernels.rnn_forward(g, scratch, h, buf.h_out[a:b], h_prev, relu)
            return
        if buf.need_cache:
            buf.h_prev[a:b] = h
        g += scratch
        if self.activation == "tanh":
            np.tanh(g, out=g)
        else:
            np.maximum(g, 0, out=g)
        buf.h_out[a:b] = g
        h[...] = g

    def backward_step(self, W_hh_T, buf, a, b, dh_out=None):
        """Gradient of one step: turns ``gates[a:b]`` into d(pre-activation).

        ``dh_out`` (the loss's gradient of this step's ``h_out`` rows, or
        None) is added to the running state gradient first. ``W_hh_T`` is
        :func:`recurrent_transpose` of the cell's parameters.
        """
        n = b - a
        dh = buf.dh_state[:n]
        g = buf.gates[a:b]  # holds h_t
        if buf.kernels is not None:
            buf.kernels.rnn_backward(g, dh, dh_out, self.activation == "relu")
        else:
            if dh_out is not None:
                dh += dh_out
            if self.activation == "tanh":
                # d pre = dh * (1 - h^2)
                scratch = buf.scratch[:n]
                np.multiply(g, g, out=scratch)
                np.subtract(1, scratch, out=scratch)
                np.multiply(dh, scratch, out=g)
            else:
                np.multiply(dh, g > 0, out=g)
        np.matmul(g, W_hh_T, out=dh)
        buf.mask_recurrent_grad(dh, n)


class LSTMCell(_Cell):
    """Long short-term memory cell (Hochreiter & Schmidhuber, 1997).

    Gate order i, f, g, o, as PyTorch::

        [i, f, g, o] = x_t @ W_xh + h_{t-1} @ W_hh + b_h
        i, f, o = sigmoid(i), sigmoid(f), sigmoid(o);  g = tanh(g)
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    The forget-gate bias starts at :data:`FORGET_BIAS_INIT`. In the code,
    ``g`` is the block of all four gates and ``cand`` the candidate gate.
    """

    name = "lstm"
    n_gates = 4
    has_cell_state = True
    extra_cache_width = 2  # c_prev, tanh(c)
    sigmoid_gates = (0, 1, 3)

    def init_biases(self, p, hidden_size):
        super().init_biases(p, hidden_size)
        p["b_h"][hidden_size : 2 * hidden_size] = FORGET_BIAS_INIT

    def allocate(self, XW, h0, c0, n_rows, need_cache):
        buf = super().allocate(XW, h0, c0, n_rows, need_cache)
        H = h0.shape[1]
        buf.c_state = c0.astype(XW.dtype)  # a copy, in the network's dtype
        buf.c_prev = np.empty((n_rows, H), dtype=XW.dtype) if need_cache else None
        # tanh(c_t), kept for the backward pass
        buf.tanh_c = np.empty((n_rows, H), dtype=XW.dtype) if need_cache else None
        buf.scratch_h = np.empty((h0.shape[0], H), dtype=XW.dtype)
        return buf

    def allocate_backward(self, buf, dh_n, dc_n):
        super().allocate_backward(buf, dh_n, dc_n)
        B, H = buf.h_state.shape
        dtype = buf.gates.dtype
        buf.dc_state = np.zeros((B, H), dtype) if dc_n is None else dc_n.astype(dtype)

    def forward_step(self, W, buf, a, b):
        """One step: rows ``a:b`` of the packed buffers (``W``: StepWeights)."""
        n = b - a
        H = buf.h_state.shape[1]
        g = buf.gates[a:b]
        h, c = buf.h_state[:n], buf.c_state[:n]
        scratch = buf.scratch[:n]
        np.matmul(buf.recurrent_input(h, n), W.W_hh, out=scratch)
        if buf.kernels is not None:
            if buf.need_cache:
                tc, h_prev, c_prev = buf.tanh_c[a:b], buf.h_prev[a:b], buf.c_prev[a:b]
            else:
                tc, h_prev, c_prev = buf.scratch_h[:n], None, None
            h_out = buf.h_out[a:b]
            buf.kernels.lstm_forward(g, scratch, c, h, h_out, tc, h_prev, c_prev)
            return
        if buf.need_cache:
            buf.h_prev[a:b] = h
            buf.c_prev[a:b] = c
        g += scratch
        np.tanh(g, out=g)  # the i, f, o columns were pre-scaled by 0.5
        _affine_half(g[:, : 2 * H])
        _affine_half(g[:, 3 * H :])
        i, f, cand, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        c *= f
        scratch_h = buf.scratch_h[:n]
        np.multiply(i, cand, out=scratch_h)
        c += scratch_h
        if buf.need_cache:
            tc = buf.tanh_c[a:b]
            np.tanh(c, out=tc)
        else:
            tc = scratch_h
            np.tanh(c, out=tc)
        np.multiply(o, tc, out=buf.h_out[a:b])
        h[...] = buf.h_out[a:b]

    def backward_step(self, W_hh_T, buf, a, b, dh_out=None):
        """Gradient of one step: turns ``gates[a:b]`` into d(pre-activation).

        ``dh_out`` (the loss's gradient of this step's ``h_out`` rows, or
        None) is added to the running state gradient first. ``W_hh_T`` is
        :func:`recurrent_transpose` of the cell's parameters.
        """
        n = b - a
        dh, dc = buf.dh_state[:n], buf.dc_state[:n]
        g = buf.gates[a:b]
        if buf.kernels is not None:
            tc, c_prev = buf.tanh_c[a:b], buf.c_prev[a:b]
            buf.kernels.lstm_backward(g, dh, dh_out, dc, tc, c_prev)
        else:
            self._backward_numpy(buf, g, dh, dh_out, dc, a, b)
        np.matmul(g, W_hh_T, out=dh)
        buf.mask_recurrent_grad(dh, n)

    @staticmethod
    def _backward_numpy(buf, g, dh, dh_out, dc, a, b):
        """The reference code of :meth:`backward_step`'s element-wise part."""
        n, H = g.shape[0], dh.shape[1]
        if dh_out is not None:
            dh += dh_out
        i, f, cand, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        tc = buf.tanh_c[a:b]
        s1, s2 = buf.scratch[:n, :H], buf.scratch[:n, H : 2 * H]
        # dc += dh * o * (1 - tanh(c)^2)
        np.multiply(dh, o, out=s1)
        np.multiply(tc, tc, out=s2)
        np.subtract(1, s2, out=s2)
        s2 *= s1
        dc += s2
        # d o_pre = dh * tanh(c) * o * (1 - o)
        np.multiply(o, o, out=s1)
        np.subtract(o, s1, out=o)
        o *= dh
        o *= tc
        # d cand_pre = dc * i * (1 - cand^2), in s2 until cand is not needed
        np.multiply(cand, cand, out=s2)
        np.subtract(1, s2, out=s2)
        s2 *= i
        s2 *= dc
        # d i_pre = dc * cand * i * (1 - i)
        np.multiply(i, i, out=s1)
        np.subtract(i, s1, out=i)
        i *= cand
        i *= dc
        cand[...] = s2
        # d f_pre = dc * c_prev * f * (1 - f); then dc_prev = dc * f
        np.multiply(f, f, out=s1)
        np.subtract(f, s1, out=s1)
        s1 *= buf.c_prev[a:b]
        s1 *= dc
        dc *= f
        f[...] = s1


class GRUCell(_Cell):
    """Gated recurrent unit (Cho et al., 2014), "reset after" form.

    Gate order r, z, n, as PyTorch, cuDNN and Keras ``reset_after=True``::

        r = sigmoid(x_t @ W_xr + b_xr + h_{t-1} @ W_hr + b_hr)
        z = sigmoid(x_t @ W_xz + b_xz + h_{t-1} @ W_hz + b_hz)
        n = tanh(x_t @ W_xn + b_xn + r * (h_{t-1} @ W_hn + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    Applying the reset gate after the recurrent product lets the products of
    all three gates be one matrix multiplication per step. ``W_xh`` stacks
    ``[W_xr, W_xz, W_xn]`` in its columns; likewise ``W_hh``, ``b_xh``,
    ``b_hh``. In the code, the candidate ``n`` is ``cand``.
    """

    name = "gru"
    n_gates = 3
    # h @ W_hn + b_hn (H), then the recurrent products' gradient (3 H)
    extra_cache_width = 4
    sigmoid_gates = (0, 1)
    param_names = ("W_xh", "W_hh", "b_xh", "b_hh")

    def param_shapes(self, n_inputs, hidden_size):
        gh = 3 * hidden_size
        return {
            "W_xh": (n_inputs, gh),
            "W_hh": (hidden_size, gh),
            "b_xh": (gh,),
            "b_hh": (gh,),
        }

    def forward_weights(self, p, hidden_size):
        s = self._column_scale(hidden_size, p["W_hh"].dtype)
        W_hh = _scaled_recurrent(p, s)
        return StepWeights(p["W_xh"] * s, p["b_xh"] * s, W_hh, p["b_hh"] * s)

    def allocate(self, XW, h0, c0, n_rows, need_cache):
        buf = super().allocate(XW, h0, c0, n_rows, need_cache)
        H = h0.shape[1]
        # h_{t-1} @ W_hn + b_hn, kept for the backward pass
        buf.gh_n = np.empty((n_rows, H), dtype=XW.dtype) if need_cache else None
        buf.scratch_h = np.empty((h0.shape[0], H), dtype=XW.dtype)
        return buf

    def allocate_backward(self, buf, dh_n, dc_n):
        super().allocate_backward(buf, dh_n, dc_n)
        buf.d_rec = np.empty_like(buf.gates)

    def forward_step(self, W, buf, a, b):
        """One step: rows ``a:b`` of the packed buffers (``W``: StepWeights)."""
        n = b - a
        H = buf.h_state.shape[1]
        g = buf.gates[a:b]
        h = buf.h_state[:n]
        gh = buf.scratch[:n]
        np.matmul(buf.recurrent_input(h, n), W.W_hh, out=gh)
        if buf.kernels is not None:
            gh_n = buf.gh_n[a:b] if buf.need_cache else buf.scratch_h[:n]
            h_prev = buf.h_prev[a:b] if buf.need_cache else None
            buf.kernels.gru_forward(g, gh, W.b_hh, h, buf.h_out[a:b], gh_n, h_prev)
            return
        if buf.need_cache:
            buf.h_prev[a:b] = h
        gh += W.b_hh
        rz = g[:, : 2 * H]
        rz += gh[:, : 2 * H]
        np.tanh(rz, out=rz)  # pre-scaled by 0.5
        _affine_half(rz)
        r, z, cand = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
        gh_n = gh[:, 2 * H :]
        if buf.need_cache:
            buf.gh_n[a:b] = gh_n
        gh_n *= r
        cand += gh_n
        np.tanh(cand, out=cand)
        # h_t = n + z * (h_{t-1} - n)
        scratch_h = buf.scratch_h[:n]
        np.subtract(h, cand, out=scratch_h)
        scratch_h *= z
        np.add(cand, scratch_h, out=buf.h_out[a:b])
        h[...] = buf.h_out[a:b]

    def backward_step(self, W_hh_T, buf, a, b, dh_out=None):
        """Gradient of one step.

        Writes d(input pre-activations) ``[dr, dz, dn]`` into ``gates[a:b]``
        and d(recurrent pre-activations) ``[dr, dz, dn * r]`` into
        ``d_rec[a:b]``. ``dh_out`` (the loss's gradient of this step's
        ``h_out`` rows, or None) is added to the running state gradient
        first. ``W_hh_T`` is :func:`recurrent_transpose` of the cell's
        parameters.
        """
        n = b - a
        dh = buf.dh_state[:n]
        g = buf.gates[a:b]
        d_rec = buf.d_rec[a:b]
        if buf.kernels is not None:
            hp, gh_n = buf.h_prev[a:b], buf.gh_n[a:b]
            buf.kernels.gru_backward(g, d_rec, dh, dh_out, hp, gh_n)
        else:
            self._backward_numpy(buf, g, d_rec, dh, dh_out, a, b)
        dh_rec = buf.scratch_h[:n]
        np.matmul(d_rec, W_hh_T, out=dh_rec)
        buf.mask_recurrent_grad(dh_rec, n)
        dh += dh_rec

    @staticmethod
    def _backward_numpy(buf, g, d_rec, dh, dh_out, a, b):
        """The reference code of :meth:`backward_step`'s element-wise part."""
        H = dh.shape[1]
        if dh_out is not None:
            dh += dh_out
        r, z, cand = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
        hp = buf.h_prev[a:b]
        dr_h, dz_h, dn_h = d_rec[:, :H], d_rec[:, H : 2 * H], d_rec[:, 2 * H :]
        scratch = buf.scratch[: g.shape[0], :H]
        # dz_pre = dh * (h_prev - n) * z * (1 - z)
        np.subtract(hp, cand, out=dz_h)
        dz_h *= dh
        np.multiply(z, z, out=scratch)
        np.subtract(z, scratch, out=scratch)
        dz_h *= scratch
        # dn_pre = dh * (1 - z) * (1 - n^2)
        np.multiply(cand, cand, out=scratch)
        np.subtract(1, scratch, out=scratch)
        np.subtract(1, z, out=cand)
        cand *= dh
        cand *= scratch
        # dh_prev (direct part) = dh * z
        dh *= z
        # dr_pre = dn_pre * gh_n * r * (1 - r); d(gh_n) = dn_pre * r
        np.multiply(cand, r, out=dn_h)
        np.multiply(r, r, out=scratch)
        np.subtract(r, scratch, out=r)
        r *= cand
        r *= buf.gh_n[a:b]
        dr_h[...] = r
        z[...] = dz_h

    def weight_grads(self, buf, x, token_input, grads, input_scale=None):
        d_in, d_rec = buf.gates, buf.d_rec
        np.matmul(buf.recurrent_h_prev().T, d_rec, out=grads["W_hh"])
        np.sum(d_rec, axis=0, out=grads["b_hh"])
        _input_grads(x, d_in, token_input, grads["W_xh"], grads["b_xh"], input_scale)


CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}


def make_cell(cell, activation="tanh"):
    """Return the cell object for ``cell`` in ``{'rnn', 'lstm', 'gru'}``."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    if cell == "rnn":
        return RNNCell(activation)
    if activation != "tanh":
        raise ValueError(
            f"activation={activation!r} applies to the vanilla cell only; "
            f"the {cell} cell uses its fixed gate activations."
        )
    return CELLS[cell]()
