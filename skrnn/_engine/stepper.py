# SPDX-License-Identifier: BSD-3-Clause
"""One step at a time: the inference loop of generation.

Generating a token costs one step of the network for every sequence of the
batch. :meth:`RecurrentNetwork.forward` would redo, at every token, what
does not change between tokens (the scaled weight copies, the packing, the
state sorting, the buffers); a :class:`Stepper` does it once, then each
:meth:`Stepper.step` is the gather of the token rows, one recurrent product
and the gate arithmetic per layer, and the head's product, all into
preallocated buffers.

A step runs the same routines as the training loop, on a batch of one row
per sequence: :func:`~.layers.input_projection`, the cell's
``forward_step`` and :func:`~.layers.dense_head`.

A stepper belongs to one call (one ``generate``): it holds its own buffers,
so several threads generating from one network each use their own.
"""

import numpy as np

from .layers import cell_params, dense_head, input_projection

__all__ = ["Stepper"]


class Stepper:
    """Advance a unidirectional network one step per call.

    Parameters
    ----------
    network : RecurrentNetwork
        Unidirectional; with a head, a step returns the head's output,
        without one the last layer's state.
    params : ndarray of shape (network.layout.size,)
    h0, c0 : ndarray of shape (network.n_states, B, H)
        Initial states (``c0`` for the LSTM only; None otherwise).

    Attributes
    ----------
    h, c : ndarray of shape (network.n_states, B, H)
        The current states (``c`` None unless LSTM), updated by every step.
    """

    def __init__(self, network, params, h0, c0=None):
        if network.bidirectional:
            raise ValueError("A stepper needs a unidirectional network.")
        self.network = network
        cell, H = network.cell, network.hidden_size
        param_views = network.layout.views(params)
        B = h0.shape[1]
        dtype = network.dtype
        self._layers = []
        for layer in range(network.num_layers):
            p = cell_params(param_views, cell, layer, False)
            weights = cell.forward_weights(p, H)
            gates = np.empty((B, cell.n_gates * H), dtype=dtype)
            c0_layer = None if c0 is None else c0[layer]
            buf = cell.allocate(gates, h0[layer], c0_layer, B, False)
            self._layers.append((weights, buf))
        self._head = None
        if network.head is not None:
            self._head = (param_views["W_hy"], param_views["b_y"])
            self._logits = np.empty((B, network.n_outputs), dtype=dtype)
        self._batch_size = B
        self._token_input = network.token_input
        # Token input: the first layer's input projection of code c is row c
        # of W_xh + b_in, the same sum input_projection makes at every step.
        self._token_rows = None
        if network.token_input:
            first = self._layers[0][0]
            self._token_rows = first.W_xh + first.b_in

    @property
    def h(self):
        return np.stack([buf.h_state for _, buf in self._layers])

    @property
    def c(self):
        if not self.network.cell.has_cell_state:
            return None
        return np.stack([buf.c_state for _, buf in self._layers])

    def step(self, x, feed=None):
        """Read one step of input for every sequence; return the head's output.

        Parameters
        ----------
        x : int ndarray of shape (B,) (token input) or ndarray of shape (B, F)
        feed : ndarray of shape (B, F_feed), default=None
            Token input: dense rows read, beside the codes, by the last
            ``F_feed`` rows of the first layer's input weights (a decoder's
            input feeding, see :mod:`~.feeding`).

        Returns
        -------
        ndarray of shape (B, n_outputs), or (B, H) without a head
            The head's output after this step (the last layer's state
            without a head). It is a buffer of the stepper, overwritten by
            the next step: copy it to keep it.
        """
        cell, B = self.network.cell, self._batch_size
        token_input = self._token_input  # the first layer's input only
        for weights, buf in self._layers:
            if token_input and x.ndim == 1:  # one code per row: a row gather
                buf.gates[...] = self._token_rows[x]
            else:
                input_projection(weights, x, token_input, out=buf.gates)
            if feed is not None:
                buf.gates += feed @ weights.W_xh[-feed.shape[1] :]
                feed = None
            cell.forward_step(weights, buf, 0, B)
            x, token_input = buf.h_out, False
        if self._head is None:
            return x
        return dense_head(x, *self._head, out=self._logits)

    def select(self, rows):
        """Keep the states of ``rows``, in that order (beam search's reordering).

        Parameters
        ----------
        rows : int ndarray of shape (B,)
            Row ``i`` of the new states is row ``rows[i]`` of the current
            ones (a row may be taken several times).
        """
        for _, buf in self._layers:
            buf.h_state[...] = buf.h_state[rows]
            if buf.c_state is not None:
                buf.c_state[...] = buf.c_state[rows]
