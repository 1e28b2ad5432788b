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
"""

import numpy as np

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "CELLS", "make_cell"]


class _Buffers:
    """Plain namespace of the arrays one direction of one layer works in."""


def _affine_half(x):
    """In place: ``x <- 0.5 * x + 0.5`` (turns ``tanh(z/2)`` into sigmoid(z))."""
    x *= 0.5
    x += 0.5


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
        """Weights as the forward loop uses them.

        Returns
        -------
        W_xh, b_in, W_hh, b_hh : ndarray or None
            The input weights and the bias folded into the input projection,
            the recurrent weights and the bias added after the recurrent
            product (None when there is none), with the columns of the
            sigmoid gates scaled by 0.5.
        """
        if not self.sigmoid_gates:
            return p["W_xh"], p["b_h"], p["W_hh"], None
        s = self._column_scale(hidden_size, p["W_hh"].dtype)
        return p["W_xh"] * s, p["b_h"] * s, p["W_hh"] * s, None

    def init_biases(self, p, hidden_size):
        """Set the initial biases in place (zeros unless the cell says)."""
        for name in self.param_names[2:]:
            p[name][...] = 0

    def allocate(self, XW, h0, c0, n_rows, need_cache):
        """Buffers for one direction of one layer.

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
        """
        H = h0.shape[1]
        buf = _Buffers()
        buf.gates = XW
        buf.h_state = h0.copy()
        buf.h_out = np.empty((n_rows, H), dtype=XW.dtype)
        buf.h_prev = np.empty((n_rows, H), dtype=XW.dtype) if need_cache else None
        buf.tmp = np.empty((h0.shape[0], XW.shape[1]), dtype=XW.dtype)
        buf.need_cache = need_cache
        return buf

    def _recurrent_product(self, W_hh, h, out):
        np.matmul(h, W_hh, out=out)


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
        """One step: rows ``a:b`` of the packed buffers."""
        n = b - a
        g = buf.gates[a:b]
        h = buf.h_state[:n]
        if buf.need_cache:
            buf.h_prev[a:b] = h
        tmp = buf.tmp[:n]
        np.matmul(h, W.W_hh, out=tmp)
        g += tmp
        if self.activation == "tanh":
            np.tanh(g, out=g)
        else:
            np.maximum(g, 0, out=g)
        buf.h_out[a:b] = g
        h[...] = g

    def backward_step(self, p, buf, a, b):
        """Gradient of one step: turns ``gates[a:b]`` into d(pre-activation)."""
        n = b - a
        dh = buf.dh_state[:n]
        g = buf.gates[a:b]  # holds h_t
        if self.activation == "tanh":
            # d pre = dh * (1 - h^2)
            tmp = buf.tmp[:n]
            np.multiply(g, g, out=tmp)
            np.subtract(1, tmp, out=tmp)
            np.multiply(dh, tmp, out=g)
        else:
            np.multiply(dh, g > 0, out=g)
        np.matmul(g, p["W_hh"].T, out=dh)


class LSTMCell(_Cell):
    """Long short-term memory cell (Hochreiter & Schmidhuber, 1997).

    Gate order i, f, g, o, as PyTorch::

        [i, f, g, o] = x_t @ W_xh + h_{t-1} @ W_hh + b_h
        i, f, o = sigmoid(i), sigmoid(f), sigmoid(o);  g = tanh(g)
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    The forget-gate bias starts at 1 (Jozefowicz et al., 2015).
    """

    name = "lstm"
    n_gates = 4
    has_cell_state = True
    extra_cache_width = 2  # c_prev, tanh(c)
    sigmoid_gates = (0, 1, 3)

    def init_biases(self, p, hidden_size):
        super().init_biases(p, hidden_size)
        p["b_h"][hidden_size : 2 * hidden_size] = 1

    def allocate(self, XW, h0, c0, n_rows, need_cache):
        buf = super().allocate(XW, h0, c0, n_rows, need_cache)
        H = h0.shape[1]
        buf.c_state = c0.copy()
        buf.c_prev = np.empty((n_rows, H), dtype=XW.dtype) if need_cache else None
        # tanh(c_t), kept for the backward pass
        buf.tanh_c = np.empty((n_rows, H), dtype=XW.dtype) if need_cache else None
        buf.tmp_h = np.empty((h0.shape[0], H), dtype=XW.dtype)
        return buf

    def forward_step(self, W, buf, a, b):
        """One step: rows ``a:b`` of the packed buffers."""
        n = b - a
        H = buf.h_state.shape[1]
        g = buf.gates[a:b]
        h, c = buf.h_state[:n], buf.c_state[:n]
        if buf.need_cache:
            buf.h_prev[a:b] = h
            buf.c_prev[a:b] = c
        tmp = buf.tmp[:n]
        np.matmul(h, W.W_hh, out=tmp)
        g += tmp
        np.tanh(g, out=g)  # the i, f, o columns were pre-scaled by 0.5
        _affine_half(g[:, : 2 * H])
        _affine_half(g[:, 3 * H :])
        i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        c *= f
        t = buf.tmp_h[:n]
        np.multiply(i, gg, out=t)
        c += t
        if buf.need_cache:
            tc = buf.tanh_c[a:b]
            np.tanh(c, out=tc)
        else:
            tc = t
            np.tanh(c, out=tc)
        np.multiply(o, tc, out=buf.h_out[a:b])
        h[...] = buf.h_out[a:b]

    def backward_step(self, p, buf, a, b):
        """Gradient of one step: turns ``gates[a:b]`` into d(pre-activation)."""
        n = b - a
        H = buf.dh_state.shape[1]
        dh, dc = buf.dh_state[:n], buf.dc_state[:n]
        g = buf.gates[a:b]
        i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        tc = buf.tanh_c[a:b]
        t1, t2 = buf.tmp[:n, :H], buf.tmp[:n, H : 2 * H]
        # dc += dh * o * (1 - tanh(c)^2)
        np.multiply(dh, o, out=t1)
        np.multiply(tc, tc, out=t2)
        np.subtract(1, t2, out=t2)
        t2 *= t1
        dc += t2
        # d o_pre = dh * tanh(c) * o * (1 - o)
        np.multiply(o, o, out=t1)
        np.subtract(o, t1, out=o)
        o *= dh
        o *= tc
        # d g_pre = dc * i * (1 - g^2), kept in t2 until g is no longer needed
        np.multiply(gg, gg, out=t2)
        np.subtract(1, t2, out=t2)
        t2 *= i
        t2 *= dc
        # d i_pre = dc * g * i * (1 - i)
        np.multiply(i, i, out=t1)
        np.subtract(i, t1, out=i)
        i *= gg
        i *= dc
        gg[...] = t2
        # d f_pre = dc * c_prev * f * (1 - f); then dc_prev = dc * f
        np.multiply(f, f, out=t1)
        np.subtract(f, t1, out=t1)
        t1 *= buf.c_prev[a:b]
        t1 *= dc
        dc *= f
        f[...] = t1
        np.matmul(g, p["W_hh"].T, out=dh)


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
    ``b_hh``.
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
        return p["W_xh"] * s, p["b_xh"] * s, p["W_hh"] * s, p["b_hh"] * s

    def allocate(self, XW, h0, c0, n_rows, need_cache):
        buf = super().allocate(XW, h0, c0, n_rows, need_cache)
        H = h0.shape[1]
        # h_{t-1} @ W_hn + b_hn, kept for the backward pass
        buf.gh_n = np.empty((n_rows, H), dtype=XW.dtype) if need_cache else None
        buf.tmp_h = np.empty((h0.shape[0], H), dtype=XW.dtype)
        return buf

    def forward_step(self, W, buf, a, b):
        """One step: rows ``a:b`` of the packed buffers."""
        n = b - a
        H = buf.h_state.shape[1]
        g = buf.gates[a:b]
        h = buf.h_state[:n]
        if buf.need_cache:
            buf.h_prev[a:b] = h
        gh = buf.tmp[:n]
        np.matmul(h, W.W_hh, out=gh)
        gh += W.b_hh
        rz = g[:, : 2 * H]
        rz += gh[:, : 2 * H]
        np.tanh(rz, out=rz)  # pre-scaled by 0.5
        _affine_half(rz)
        r, z, nn = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
        gh_n = gh[:, 2 * H :]
        if buf.need_cache:
            buf.gh_n[a:b] = gh_n
        gh_n *= r
        nn += gh_n
        np.tanh(nn, out=nn)
        # h_t = n + z * (h_{t-1} - n)
        t = buf.tmp_h[:n]
        np.subtract(h, nn, out=t)
        t *= z
        np.add(nn, t, out=buf.h_out[a:b])
        h[...] = buf.h_out[a:b]

    def backward_step(self, p, buf, a, b):
        """Gradient of one step.

        Writes d(input pre-activations) ``[dr, dz, dn]`` into ``gates[a:b]``
        and d(recurrent pre-activations) ``[dr, dz, dn * r]`` into
        ``d_rec[a:b]``.
        """
        n = b - a
        H = buf.dh_state.shape[1]
        dh = buf.dh_state[:n]
        g = buf.gates[a:b]
        r, z, nn = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
        hp = buf.h_prev[a:b]
        d_rec = buf.d_rec[a:b]
        dr_h, dz_h, dn_h = d_rec[:, :H], d_rec[:, H : 2 * H], d_rec[:, 2 * H :]
        t = buf.tmp[:n, :H]
        # dz_pre = dh * (h_prev - n) * z * (1 - z)
        np.subtract(hp, nn, out=dz_h)
        dz_h *= dh
        np.multiply(z, z, out=t)
        np.subtract(z, t, out=t)
        dz_h *= t
        # dn_pre = dh * (1 - z) * (1 - n^2)
        np.multiply(nn, nn, out=t)
        np.subtract(1, t, out=t)
        np.subtract(1, z, out=nn)
        nn *= dh
        nn *= t
        # dh_prev (direct part) = dh * z
        dh *= z
        # dr_pre = dn_pre * gh_n * r * (1 - r); d(gh_n) = dn_pre * r
        np.multiply(nn, r, out=dn_h)
        np.multiply(r, r, out=t)
        np.subtract(r, t, out=r)
        r *= nn
        r *= buf.gh_n[a:b]
        dr_h[...] = r
        z[...] = dz_h
        t = buf.tmp_h[:n]
        np.matmul(d_rec, p["W_hh"].T, out=t)
        dh += t


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
