# SPDX-License-Identifier: BSD-3-Clause
"""An encoder-decoder: a sequence (or a vector) in, a token sequence out.

The encoder is a :class:`~.network.RecurrentNetwork` without a head over any
input form; its final states start the decoder, each layer's directions side
by side (so the decoder has the encoder's layers and ``n_directions * H``
units). In the vector-to-sequence form there is no encoder: the decoder's
initial states are ``tanh(x W_h0 + b_h0)`` (and the LSTM's cell states
``x W_c0 + b_c0``) of the input vector ``x``.

The decoder is a unidirectional :class:`~.network.RecurrentNetwork` without a
head that reads target codes directly (rows of its ``W_xh``), trained with
teacher forcing: at step ``t`` it reads the target's code at ``t - 1``, and
at step 0 the code :data:`START`. Its outputs go through
:class:`~.attention.Attention` over the encoder's outputs (optional) and the
dense output layer ``W_hy``, ``b_y`` to logits over the target codes, whose
code :data:`END` ends a sequence. So the decoder's input codes and its
output classes are the same ``n_targets`` codes, 0 meaning "start" when read
and "end" when written. With ``input_feeding`` the decoder also reads its
previous attentional state, and runs step by step in :mod:`~.feeding`.

All parameters are one flat buffer: the encoder's block, the decoder's block
(each a sub-network's own flat layout, addressed as a slice), then the
attention, the output layer and the vector bridge.
"""

import numpy as np

from .attention import Attention
from .feeding import feeding_backward, feeding_forward
from .layers import DropoutRates, dense_head
from .losses import log_softmax, softmax_cross_entropy
from .network import RecurrentNetwork
from .packing import pack_sequences
from .params import ParamLayout, glorot_uniform

__all__ = [
    "END",
    "START",
    "EncodedSources",
    "Seq2SeqNetwork",
    "padded_index",
    "teacher_forcing",
]

#: The code the decoder reads at its first step.
START = 0
#: The code that ends an output sequence.
END = 0


def teacher_forcing(targets):
    """The decoder's inputs and outputs for a batch of target sequences.

    Parameters
    ----------
    targets : list of int ndarray
        Codes ``1 .. n_targets - 1`` of each target (possibly empty).

    Returns
    -------
    inputs : int ndarray of shape (N,)
        Packed: :data:`START`, then the target without its last code.
    outputs : int ndarray of shape (N,)
        Packed: the target, then :data:`END`.
    packing : Packing
        Lengths ``len(target) + 1``.
    """
    outputs = [np.append(np.asarray(t, dtype=np.intp), END) for t in targets]
    inputs = [np.concatenate(([START], o[:-1])) for o in outputs]
    packed_outputs, packing = pack_sequences(outputs, dtype=np.intp)
    packed_inputs, _ = pack_sequences(inputs, dtype=np.intp)
    return packed_inputs, packed_outputs, packing


def padded_index(packing):
    """Where each packed row goes in a padded batch in the caller's order.

    Parameters
    ----------
    packing : Packing

    Returns
    -------
    sequence, step : ndarray of intp of shape (N,)
        ``padded[sequence, step] = packed`` pads; ``padded[sequence, step]``
        gathers the packed rows back.
    """
    seq, step = packing.packed_index()
    return packing.order[seq], step


def _pad(packed, packing, index):
    padded = np.zeros(
        (packing.n_sequences, packing.n_steps) + packed.shape[1:], packed.dtype
    )
    padded[index] = packed
    return padded


class EncodedSources:
    """What the decoder needs from a batch of sources, computed once.

    Attributes
    ----------
    h0, c0 : ndarray of shape (num_layers, B, H_dec)
        The decoder's initial states (``c0`` None unless LSTM).
    memory : ndarray of shape (B, T_k, E) or None
        The encoder's outputs, padded (None without attention).
    memory_mask : ndarray of bool of shape (B, T_k) or None
    keys : ndarray or None
        The memory's projection (:meth:`~.attention.Attention.keys`).
    """

    __slots__ = ("h0", "c0", "memory", "memory_mask", "keys")

    def __init__(self, h0, c0, memory=None, memory_mask=None, keys=None):
        self.h0, self.c0 = h0, c0
        self.memory, self.memory_mask, self.keys = memory, memory_mask, keys

    def take(self, rows):
        """The sources at ``rows`` (a beam's copies of each source)."""
        return EncodedSources(
            *(
                None if a is None else np.take(a, rows, axis=axis)
                for a, axis in (
                    (self.h0, 1),
                    (self.c0, 1),
                    (self.memory, 0),
                    (self.memory_mask, 0),
                    (self.keys, 0),
                )
            )
        )


class Seq2SeqNetwork:
    """Encoder-decoder with optional attention.

    Parameters
    ----------
    cell : {'rnn', 'lstm', 'gru'}
        The cell of the encoder and the decoder.
    n_inputs : int
        As :class:`~.network.RecurrentNetwork`'s (the encoder's input); with
        ``vector_input``, the width of the input vector.
    hidden_size : int
        The encoder's hidden size per direction (the decoder's, without an
        encoder).
    n_targets : int
        Codes of the output side, :data:`END` included.
    num_layers : int, default=1
    bidirectional : bool, default=False
        The encoder's (the decoder is unidirectional).
    attention : {None, 'dot', 'general', 'additive'}, default=None
    attention_size : int, default=None
        ``'additive'``'s hidden size (None: the decoder's).
    input_feeding : bool, default=False
        The decoder also reads its previous attentional state (Luong et
        al., 2015; see :mod:`~.feeding`): ``W_xh_l0`` of the decoder has
        ``n_targets + Q`` rows. Needs attention.
    vector_input : bool, default=False
        Vector to sequence: no encoder, one input vector per sample.
    dropout, input_dropout, recurrent_dropout, output_dropout : float
        As :class:`~.network.RecurrentNetwork`'s, for the encoder and the
        decoder; the output dropout is on the output layer's input.
    activation : {'tanh', 'relu'}, default='tanh'
    token_input, vocab_sizes, embedding_dims
        The encoder's input form, as :class:`~.network.RecurrentNetwork`'s.
    dtype : numpy dtype, default=np.float32

    Attributes
    ----------
    encoder : RecurrentNetwork or None
    decoder : RecurrentNetwork
    attention : Attention or None
    layout : ParamLayout
        ``encoder`` and ``decoder`` (the sub-networks' blocks), then the
        attention's parameters, ``W_hy``, ``b_y`` and, for vectors,
        ``W_h0``, ``b_h0`` (and ``W_c0``, ``b_c0``).
    """

    def __init__(
        self,
        cell,
        n_inputs,
        hidden_size,
        n_targets,
        *,
        num_layers=1,
        bidirectional=False,
        attention=None,
        attention_size=None,
        input_feeding=False,
        vector_input=False,
        dropout=0.0,
        input_dropout=0.0,
        recurrent_dropout=0.0,
        output_dropout=0.0,
        activation="tanh",
        token_input=False,
        vocab_sizes=None,
        embedding_dims=None,
        dtype=np.float32,
    ):
        if vector_input and attention is not None:
            raise ValueError("Attention needs an encoder: not with vector_input.")
        if input_feeding and attention is None:
            raise ValueError(
                "Input feeding feeds the attentional state: it needs attention."
            )
        if vector_input and bidirectional:
            raise ValueError("bidirectional is the encoder's: not with vector_input.")
        self.n_inputs, self.n_targets = int(n_inputs), int(n_targets)
        self.vector_input = bool(vector_input)
        self.dtype = np.dtype(dtype)
        rates = DropoutRates(dropout, input_dropout, recurrent_dropout, output_dropout)
        self.output_dropout = rates.output
        recurrent = {
            "num_layers": num_layers,
            "dropout": rates.between,
            "input_dropout": rates.inputs,
            "recurrent_dropout": rates.recurrent,
            "activation": activation,
            "head": None,
            "dtype": dtype,
        }
        self.encoder = None
        decoder_size = int(hidden_size)
        if not self.vector_input:
            self.encoder = RecurrentNetwork(
                cell,
                n_inputs,
                hidden_size,
                bidirectional=bidirectional,
                token_input=token_input,
                vocab_sizes=vocab_sizes,
                embedding_dims=embedding_dims,
                **recurrent,
            )
            decoder_size *= self.encoder.n_directions
        self.input_feeding = bool(input_feeding)
        self.decoder = RecurrentNetwork(
            cell,
            self.n_targets + (decoder_size if self.input_feeding else 0),
            decoder_size,
            token_input=True,
            **recurrent,
        )
        self.attention = None
        if attention is not None:
            self.attention = Attention(
                attention, decoder_size, decoder_size, attention_size
            )
        self.layout = ParamLayout(self._shapes(), self.dtype)

    @property
    def num_layers(self):
        """int: layers of the encoder and of the decoder."""
        return self.decoder.num_layers

    @property
    def decoder_size(self):
        """int: the decoder's hidden size."""
        return self.decoder.hidden_size

    @property
    def has_cell_state(self):
        """bool: whether the cell carries a cell state (LSTM)."""
        return self.decoder.cell.has_cell_state

    def _shapes(self):
        shapes = {}
        if self.encoder is not None:
            shapes["encoder"] = (self.encoder.layout.size,)
        shapes["decoder"] = (self.decoder.layout.size,)
        if self.attention is not None:
            shapes.update(self.attention.param_shapes())
        H = self.decoder_size
        shapes["W_hy"] = (H, self.n_targets)
        shapes["b_y"] = (self.n_targets,)
        if self.vector_input:
            width = self.num_layers * H
            shapes.update({"W_h0": (self.n_inputs, width), "b_h0": (width,)})
            if self.has_cell_state:
                shapes.update({"W_c0": (self.n_inputs, width), "b_c0": (width,)})
        return shapes

    def _sub_params(self, params):
        views = self.layout.views(params)
        encoder = views.get("encoder")
        return views, encoder, views["decoder"]

    @property
    def table_names(self):
        """list: no token table is updated lazily (every gradient is dense)."""
        return []

    @property
    def weight_spans(self):
        """list of (int, int): the weight matrices' spans in the flat buffer."""
        spans = []
        for name, (start, stop) in self.layout.offsets.items():
            if name in ("encoder", "decoder"):
                network = getattr(self, name)
                spans += [(start + a, start + b) for a, b in network.weight_spans]
            elif name.startswith("W_"):
                spans.append((start, stop))
        return spans

    def init_params(self, rng):
        """Draw initial parameters (float64 draws, then cast).

        The encoder and decoder as :meth:`RecurrentNetwork.init_params`;
        the attention, output layer and vector bridge Glorot-uniform with
        zero biases.

        Parameters
        ----------
        rng : numpy.random.Generator

        Returns
        -------
        params : ndarray of shape (layout.size,)
        """
        params = self.layout.zeros()
        views, encoder, decoder = self._sub_params(params)
        if self.encoder is not None:
            encoder[...] = self.encoder.init_params(rng)
        decoder[...] = self.decoder.init_params(rng)
        if self.attention is not None:
            self.attention.init_params(views, rng)
        for name in ("W_hy", "W_h0", "W_c0"):
            if name in views:
                views[name][...] = glorot_uniform(
                    rng, *views[name].shape, views[name].shape
                )
        return params

    def encode(self, params, x, packing, *, need_cache=False, rng=None):
        """Run the encoder (or the vector bridge) over a batch of sources.

        Parameters
        ----------
        params : ndarray of shape (layout.size,)
        x : ndarray
            Packed encoder input, as :meth:`RecurrentNetwork.forward` takes
            it; with ``vector_input``, ``(B, n_inputs)`` vectors.
        packing : Packing or None
            The sources' layout (None with ``vector_input``).
        need_cache : bool, default=False
        rng : numpy.random.Generator, default=None
            Dropout masks (None: no dropout).

        Returns
        -------
        encoded : EncodedSources
            In the caller's order.
        cache : tuple or None
            What :meth:`backward` needs of the encoder.
        """
        views, encoder, _ = self._sub_params(params)
        L, H = self.num_layers, self.decoder_size
        if self.vector_input:
            x = np.asarray(x, dtype=self.dtype)
            h0 = np.tanh(dense_head(x, views["W_h0"], views["b_h0"]))
            c0 = None
            if self.has_cell_state:
                c0 = dense_head(x, views["W_c0"], views["b_c0"])
                c0 = c0.reshape(-1, L, H).transpose(1, 0, 2)
            encoded = EncodedSources(h0.reshape(-1, L, H).transpose(1, 0, 2), c0)
            return encoded, ((x, h0) if need_cache else None)
        out, h_n, c_n, enc_cache = self.encoder.forward(
            encoder, x, packing, need_cache=need_cache, rng=rng
        )
        encoded = EncodedSources(self._bridge(h_n), self._bridge(c_n))
        if self.attention is not None:
            index = padded_index(packing)
            encoded.memory = _pad(out, packing, index)
            encoded.memory_mask = _pad(np.ones(len(out), bool), packing, index)
            encoded.keys = self.attention.keys(views, encoded.memory)
            index = (index, packing)
        else:
            index = None
        return encoded, ((enc_cache, index) if need_cache else None)

    def _bridge(self, states):
        """Encoder final states ``(L * D, B, H)`` to decoder ones ``(L, B, D * H)``."""
        if states is None:
            return None
        L, D = self.num_layers, self.encoder.n_directions
        _, B, H = states.shape
        return states.reshape(L, D, B, H).transpose(0, 2, 1, 3).reshape(L, B, D * H)

    def _unbridge(self, d_states):
        if d_states is None:
            return None
        L, D = self.num_layers, self.encoder.n_directions
        _, B, DH = d_states.shape
        H = DH // D
        return d_states.reshape(L, B, D, H).transpose(0, 2, 1, 3).reshape(L * D, B, H)

    def forward(
        self,
        params,
        x,
        packing,
        decoder_inputs,
        decoder_packing,
        *,
        need_cache=False,
        rng=None,
    ):
        """Logits of every target step under teacher forcing.

        Parameters
        ----------
        params : ndarray of shape (layout.size,)
        x, packing
            The sources, as :meth:`encode` takes them.
        decoder_inputs : int ndarray of shape (N,)
            Packed codes the decoder reads (:func:`teacher_forcing`).
        decoder_packing : Packing
            The targets' layout (in the sources' order of samples).
        need_cache : bool, default=False
        rng : numpy.random.Generator, default=None

        Returns
        -------
        logits : ndarray of shape (N, n_targets)
            Packed in ``decoder_packing``.
        weights : ndarray of shape (B, T_out, T_in) or None
            The attention weights (caller's order, padded).
        cache : tuple or None
        """
        views, _, decoder = self._sub_params(params)
        encoded, enc_cache = self.encode(
            params, x, packing, need_cache=need_cache, rng=rng
        )
        if self.input_feeding:
            out, weights, dec_cache = feeding_forward(
                self,
                views,
                self.decoder.layout.views(decoder),
                decoder_inputs,
                decoder_packing,
                encoded,
                need_cache=need_cache,
                rng=rng,
            )
            att_cache = index = mask = None
        else:
            out, weights, dec_cache, att_cache, index, mask = self._decode_in_one(
                views,
                decoder,
                encoded,
                decoder_inputs,
                decoder_packing,
                need_cache,
                rng,
            )
        logits = dense_head(out, views["W_hy"], views["b_y"])
        cache = None
        if need_cache:
            cache = (enc_cache, dec_cache, att_cache, index, out, mask, encoded)
        return logits, weights, cache

    def _decode_in_one(
        self, views, decoder, encoded, decoder_inputs, decoder_packing, need_cache, rng
    ):
        """Without input feeding: the decoder over all steps, then attention.

        Returns the output layer's input (after dropout), the attention
        weights, the decoder's and the attention's caches, the packed rows'
        padded index and the dropout mask.
        """
        out, _, _, dec_cache = self.decoder.forward(
            decoder,
            decoder_inputs,
            decoder_packing,
            encoded.h0,
            encoded.c0,
            need_cache=need_cache,
            rng=rng,
        )
        weights = att_cache = None
        index = padded_index(decoder_packing)
        if self.attention is not None:
            queries = _pad(out, decoder_packing, index)
            context, weights, attended = self.attention.attend(
                views,
                queries,
                encoded.memory,
                encoded.keys,
                encoded.memory_mask,
                need_cache=need_cache,
            )
            out, combined_input = self.attention.combine(views, context[index], out)
            att_cache = (attended, combined_input, out)
        mask = DropoutRates(output=self.output_dropout).output_mask(
            out.shape, self.dtype, rng
        )
        if mask is not None:
            out = out * mask
        return out, weights, dec_cache, att_cache, index, mask

    def backward(self, params, cache, d_logits):
        """Backpropagate ``d_logits`` through the decoder and the encoder.

        Parameters
        ----------
        params : ndarray of shape (layout.size,)
        cache : tuple
            From :meth:`forward` with ``need_cache=True`` (consumed).
        d_logits : ndarray of shape (N, n_targets)

        Returns
        -------
        grads : ndarray of shape (layout.size,)
        """
        enc_cache, dec_cache, att_cache, index, features, mask, encoded = cache
        views, encoder, decoder = self._sub_params(params)
        grads = self.layout.zeros()
        grad_views, d_encoder, d_decoder = self._sub_params(grads)
        np.matmul(features.T, d_logits, out=grad_views["W_hy"])
        np.sum(d_logits, axis=0, out=grad_views["b_y"])
        d_out = d_logits @ views["W_hy"].T
        if mask is not None:
            d_out *= mask
        if self.input_feeding:
            d_memory, dh0, dc0 = feeding_backward(
                self,
                views,
                grad_views,
                self.decoder.layout.views(d_decoder),
                dec_cache,
                d_out,
            )
        else:
            d_memory, d_out = self._attention_backward(
                views, grad_views, att_cache, index, d_out
            )
            d_decoder[...], _, dh0, dc0 = self.decoder.backward(
                decoder, dec_cache, d_out
            )
        if self.vector_input:
            self._vector_backward(views, grad_views, enc_cache, dh0, dc0)
            return grads
        stack_cache, memory_index = enc_cache
        d_enc_out = None
        if d_memory is not None:
            index, packing = memory_index
            d_enc_out = d_memory[index]
        d_encoder[...], _, _, _ = self.encoder.backward(
            encoder,
            stack_cache,
            d_enc_out,
            self._unbridge(dh0),
            self._unbridge(dc0),
        )
        return grads

    def _attention_backward(self, views, grad_views, att_cache, index, d_out):
        """Without input feeding: the gradients of the memory and the queries.

        Returns the memory's gradient (None without attention) and the
        decoder's output gradient ``d_out`` with the queries' part added.
        """
        if att_cache is None:
            return None, d_out
        attended, combined_input, attentional = att_cache
        d_context_rows, d_out = self.attention.combine_backward(
            views, combined_input, attentional, d_out, grad_views
        )
        d_context = np.zeros(
            attended.weights.shape[:2] + (d_context_rows.shape[1],), d_out.dtype
        )
        d_context[index] = d_context_rows
        d_queries, d_memory = self.attention.attend_backward(
            views, attended, d_context, grad_views
        )
        return d_memory, d_out + d_queries[index]

    def _vector_backward(self, views, grad_views, cache, dh0, dc0):
        """Gradients of the vector bridge from the decoder's initial states."""
        x, h0 = cache
        B = x.shape[0]
        d_h = dh0.transpose(1, 0, 2).reshape(B, -1) * (1.0 - h0 * h0)
        np.matmul(x.T, d_h, out=grad_views["W_h0"])
        np.sum(d_h, axis=0, out=grad_views["b_h0"])
        if dc0 is not None:
            d_c = dc0.transpose(1, 0, 2).reshape(B, -1)
            np.matmul(x.T, d_c, out=grad_views["W_c0"])
            np.sum(d_c, axis=0, out=grad_views["b_c0"])

    def loss_and_grad(
        self,
        params,
        x,
        packing,
        targets,
        *,
        weights=None,
        normalizer=None,
        rng=None,
    ):
        """Cross-entropy of the targets under teacher forcing, and its gradient.

        Parameters
        ----------
        params : ndarray of shape (layout.size,)
        x, packing
            The sources, as :meth:`encode` takes them.
        targets : tuple
            ``(decoder_inputs, outputs, decoder_packing)`` from
            :func:`teacher_forcing`.
        weights : ndarray of shape (N,), default=None
            Per packed target step (0 masks a step out).
        normalizer : float, default=None
            See :mod:`~skrnn._engine.losses` (default: the sum of the
            weights, so the mean over target steps).
        rng : numpy.random.Generator, default=None
            Dropout masks (None: no dropout).

        Returns
        -------
        loss : float
        grads : ndarray of shape (layout.size,)
        """
        decoder_inputs, outputs, decoder_packing = targets
        logits, _, cache = self.forward(
            params,
            x,
            packing,
            decoder_inputs,
            decoder_packing,
            need_cache=True,
            rng=rng,
        )
        loss, d_logits = softmax_cross_entropy(logits, outputs, weights, normalizer)
        return loss, self.backward(params, cache, d_logits)

    def log_likelihood(self, params, x, packing, targets):
        """``log p(target | source)`` of every sample, END included.

        Parameters
        ----------
        params : ndarray of shape (layout.size,)
        x, packing
            The sources, as :meth:`encode` takes them.
        targets : tuple
            From :func:`teacher_forcing`.

        Returns
        -------
        ndarray of shape (B,)
            In the caller's order, float64.
        """
        decoder_inputs, outputs, decoder_packing = targets
        logits, _, _ = self.forward(params, x, packing, decoder_inputs, decoder_packing)
        rows = np.arange(len(outputs))
        log_probs = log_softmax(logits.astype(np.float64))[rows, outputs]
        sequence, _ = padded_index(decoder_packing)
        return np.bincount(
            sequence, weights=log_probs, minlength=decoder_packing.n_sequences
        )
