# SPDX-License-Identifier: BSD-3-Clause
"""One step at a time: the inference loop of generation.

Generating a token costs one step of the network for every sequence of the
batch. :meth:`RecurrentNetwork.forward` would redo, at every token, what
does not change between tokens (the scaled weight copies, the packing, the
state sorting, the buffers); a :class:`Stepper` does it once, then each
:meth:`Stepper.step` is the gather of the token rows, one recurrent product
and the gate arithmetic per layer, and the head's product, all into
preallocated buffers.

A stepper belongs to one call (one ``generate``): it holds its own buffers,
so several threads generating from one network each use their own.
"""

import numpy as np

from .cells import _Buffers
from .layers import layer_param_name

__all__ = ["Stepper"]


class Stepper:
    """Advance a unidirectional network with a head one step per call.

    Parameters
    ----------
    network : RecurrentNetwork
        Unidirectional, with a head.
    params : ndarray of shape (network.layout.size,)
    h0, c0 : ndarray of shape (network.n_states, B, H)
        Initial states (``c0`` for the LSTM only; None otherwise).

    Attributes
    ----------
    h, c : ndarray of shape (network.n_states, B, H)
        The current states (``c`` None unless LSTM), updated by every step.
    """

    def __init__(self, network, params, h0, c0=None):
        if network.bidirectional or network.head is None:
            raise ValueError("A stepper needs a unidirectional network with a head.")
        self.network = network
        cell, H = network.cell, network.hidden_size
        P = network.layout.views(params)
        B = h0.shape[1]
        dtype = network.dtype
        self._layers = []
        for layer in range(network.num_layers):
            p = {n: P[layer_param_name(n, layer, False)] for n in cell.param_names}
            W = _Buffers()
            W.W_xh, W.b_in, W.W_hh, W.b_hh = cell.forward_weights(p, H)
            gates = np.empty((B, cell.n_gates * H), dtype=dtype)
            c0_layer = None if c0 is None else c0[layer]
            buf = cell.allocate(gates, h0[layer], c0_layer, B, False)
            self._layers.append((W, buf))
        self._W_hy, self._b_y = P["W_hy"], P["b_y"]
        self._logits = np.empty((B, network.n_outputs), dtype=dtype)
        self._token_input = network.token_input

    @property
    def h(self):
        return np.stack([buf.h_state for _, buf in self._layers])

    @property
    def c(self):
        if not self.network.cell.has_cell_state:
            return None
        return np.stack([buf.c_state for _, buf in self._layers])

    def step(self, x):
        """Read one step of input for every sequence; return the head's output.

        Parameters
        ----------
        x : int ndarray of shape (B,) (token input) or ndarray of shape (B, F)

        Returns
        -------
        ndarray of shape (B, n_outputs)
            The head's output after this step. It is a buffer of the
            stepper, overwritten by the next step: copy it to keep it.
        """
        cell = self.network.cell
        for layer, (W, buf) in enumerate(self._layers):
            B = buf.gates.shape[0]
            if layer == 0 and self._token_input:
                np.take(W.W_xh, x, axis=0, out=buf.gates)
            else:
                np.matmul(x, W.W_xh, out=buf.gates)
            buf.gates += W.b_in
            cell.forward_step(W, buf, 0, B)
            x = buf.h_out
        np.matmul(x, self._W_hy, out=self._logits)
        self._logits += self._b_y
        return self._logits
