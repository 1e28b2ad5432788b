# SPDX-License-Identifier: BSD-3-Clause
"""How much memory a network and its training would take, before allocating it.

Every count is a Python int computed from the sizes alone, in closed form: a
network of ``hidden_size=2**62`` or ``num_layers=10**7`` is measured as fast
as a small one (no overflow, no loop over the layers, no array), so a caller
can refuse it before :class:`~.network.RecurrentNetwork` builds its layout.

The counts follow what the engine allocates (see :mod:`~.layers`,
:mod:`~.cells`, :mod:`~.network`, :mod:`~.losses` and :mod:`~.optimizers`),
with ``N`` packed rows, ``B`` sequences, ``H`` the hidden size, ``G`` the
cell's gates, ``D`` the directions, ``L`` the layers, ``F`` the inputs and
``n_out`` the outputs:

* the parameters: per direction of layer ``l``, ``(n_in + H) * G * H``
  weights and one (two for the GRU) ``G * H`` bias, ``n_in`` being ``F`` for
  the first layer and ``D * H`` above; then the head, ``(D * H + 1) * n_out``;
* the optimizer: the state (Adam's two moments, SGD's velocity) and two
  scratch buffers, each the size of the parameters (Adam makes its scratch
  only where its NumPy code runs, not with the compiled kernels: the
  estimate is then an upper bound);
* a training batch: the forward cache of every layer and direction (the gate
  activations, the outputs, the previous states; the LSTM's previous cell
  states and ``tanh(c)``, the GRU's recurrent candidate and its backward
  buffer), the inputs of the upper layers (concatenated directions, dropout
  masks), the head's outputs and their gradient, the states, the backward
  pass's input gradients, and the dense input rows;
* a forward pass without cache (inference, validation): one layer at a time.

The estimate aims at the peak, within a small factor (the tests measure it
with :mod:`tracemalloc`); it ignores what does not grow with the sizes.
"""

import numpy as np

from .cells import CELLS
from .embedding import InputLayer
from .optimizers import AdamOptimizer, SGDOptimizer

__all__ = [
    "activation_bytes",
    "count_parameters",
    "estimate_fit_bytes",
    "optimizer_arrays",
]

#: Bytes of an index array entry (packed rows, targets, the packing's order).
_INDEX_BYTES = np.dtype(np.intp).itemsize


def _cell_class(cell):
    """The cell class of a cell name."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    return CELLS[cell]


def count_parameters(
    cell,
    n_inputs,
    hidden_size,
    n_outputs=None,
    *,
    num_layers=1,
    bidirectional=False,
    head="last",
):
    """Number of parameters of a network (the size of its flat vector).

    The same count as ``RecurrentNetwork(...).layout.size``, without building
    the layout: a Python int, exact for any sizes.

    Parameters
    ----------
    cell : {'rnn', 'lstm', 'gru'}
    n_inputs : int
        Features per step, or distinct tokens for token input.
    hidden_size : int
    n_outputs : int or None, default=None
        Width of the head (ignored when ``head`` is None).
    num_layers : int, default=1
    bidirectional : bool, default=False
    head : {'last', 'all', None}, default='last'

    Returns
    -------
    int
    """
    cls = _cell_class(cell)
    G, n_bias = cls.n_gates, len(cls.param_names) - 2
    F, H, L = int(n_inputs), int(hidden_size), int(num_layers)
    D = 2 if bidirectional else 1
    per_direction_first = (F + H + n_bias) * G * H
    per_direction_above = (D * H + H + n_bias) * G * H
    total = D * (per_direction_first + (L - 1) * per_direction_above)
    if head is not None:
        total += (D * H + 1) * int(n_outputs)
    return total


def optimizer_arrays(solver):
    """Parameter-sized arrays an optimizer keeps: its state and scratch buffers.

    Parameters
    ----------
    solver : {'adam', 'sgd'}

    Returns
    -------
    n_state : int
        Arrays of state, kept between updates and copied by a checkpoint
        (Adam's two moments, SGD's velocity).
    n_scratch : int
        Scratch buffers of an update.
    """
    if solver == "adam":
        return 2, AdamOptimizer._n_scratch
    if solver == "sgd":
        return 1, SGDOptimizer._n_scratch
    raise ValueError(f"solver must be 'adam' or 'sgd', got {solver!r}")


def _training_layer_values(cls, N, B, H):
    """Numbers one direction of one layer keeps for backpropagation."""
    G = cls.n_gates
    # gates (then their gradient), h_out, h_prev, and the cell's own
    per_row = G * H + (2 + cls.extra_cache_width) * H
    # running state and its gradient, the step's scratch rows
    per_batch = G * H + (6 if cls.has_cell_state else 4) * H
    return N * per_row + B * per_batch


def activation_bytes(
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
    head="last",
    token_input=False,
    dtype=np.float32,
    n_sequences,
    n_rows,
    training=True,
):
    """Bytes of the arrays of one batch: a training step, or a forward pass.

    Parameters
    ----------
    cell, n_inputs, hidden_size, n_outputs, num_layers, bidirectional, head
        As for :func:`count_parameters`.
    dropout : float, default=0.0
        Between layers, in training (a mask and a masked copy per layer).
    input_dropout, output_dropout, recurrent_dropout : float, default=0.0
        The other dropout of training (see
        :class:`~.network.RecurrentNetwork`): masks and masked copies.
    token_input : bool, default=False
        The input is token codes (no dense input rows).
    dtype : numpy dtype, default=np.float32
    n_sequences : int
        Sequences of the batch (``B``).
    n_rows : int
        Packed rows of the batch (``N``, the sum of the lengths).
    training : bool, default=True
        A forward pass that keeps its cache, then the backward pass; else a
        forward pass alone (inference), which holds one layer at a time.

    Returns
    -------
    int
    """
    cls = _cell_class(cell)
    F, H, L = int(n_inputs), int(hidden_size), int(num_layers)
    n_out = 0 if head is None else int(n_outputs)
    D = 2 if bidirectional else 1
    N, B = int(n_rows), int(n_sequences)
    head_rows = N if head in ("all", None) else B
    values = 0 if token_input else N * F  # the gathered input rows
    values += 2 * head_rows * (n_out + D * H)  # outputs, their gradient, features
    sizes = (N, B, H, L, D)
    if training:
        values += _training_values(cls, sizes, dropout, head)
        values += _dropout_values(
            sizes,
            (input_dropout, output_dropout, recurrent_dropout),
            F if not token_input else 1,
            head_rows,
        )
    else:
        values += _inference_values(cls, sizes)
    itemsize = np.dtype(dtype).itemsize
    return values * itemsize + 4 * N * _INDEX_BYTES


def _training_values(cls, sizes, dropout, head):
    """Numbers a training batch keeps in the recurrent stack and its states.

    ``sizes`` is ``(N, B, H, L, D)``: rows, sequences, hidden size, layers,
    directions.
    """
    N, B, H, L, D = sizes
    values = L * D * _training_layer_values(cls, N, B, H)
    # inputs of the layers above the first: the concatenated directions,
    # or a dropout mask and the masked copy
    copies = 2 if dropout > 0 else (1 if D == 2 else 0)
    values += (L - 1) * copies * N * D * H
    if D == 2 and head == "last":  # the last layer's, until the head
        values += N * D * H
    if L > 1:  # backward: the input gradients of a layer, summed
        values += (4 if D == 2 else 2) * N * D * H
    # initial, final (sorted and unsorted) states and their gradients
    n_state_arrays = 2 if cls.has_cell_state else 1
    return values + 4 * n_state_arrays * L * D * B * H


def _dropout_values(sizes, rates, input_width, head_rows):
    """Numbers of the input, output and recurrent dropout of a training batch.

    ``rates`` is ``(input, output, recurrent)``; ``input_width`` the
    first layer's input numbers per row (1 for token codes).
    """
    N, B, H, L, D = sizes
    input_rate, output_rate, recurrent_rate = rates
    values = 0
    if input_rate > 0:  # the mask and the masked copy
        values += 2 * N * input_width
    if output_rate > 0:
        values += 2 * head_rows * D * H
    if recurrent_rate > 0:  # per direction: mask, masked rows, row index
        values += L * D * (2 * B * H + N) + N * H  # and one masked h_prev
    return values


def _inference_values(cls, sizes):
    """Numbers a forward pass without cache keeps (one layer at a time).

    ``sizes`` is ``(N, B, H, L, D)``, as for :func:`_training_values`.
    """
    N, B, H, L, D = sizes
    G = cls.n_gates
    # one layer at a time: its gates and outputs, the layer below's
    values = N * (G * H + (2 * D + 1) * H) + B * (G * H + 4 * H)
    n_state_arrays = 2 if cls.has_cell_state else 1
    return values + 3 * n_state_arrays * L * D * B * H


def _init_bytes(n_inputs, hidden_size, bidirectional):
    """Float64 temporaries of the initialisation (orthogonal blocks, QR)."""
    H, F = int(hidden_size), int(n_inputs)
    D = 2 if bidirectional else 1
    return 8 * (3 * H * H + max(F, D * H) * H)


def estimate_fit_bytes(
    cell,
    n_inputs,
    hidden_size,
    n_outputs,
    *,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    input_dropout=0.0,
    output_dropout=0.0,
    recurrent_dropout=0.0,
    head="last",
    token_input=False,
    vocab_sizes=None,
    embedding_dims=None,
    dtype=np.float32,
    solver="adam",
    n_sequences,
    n_rows,
    forward_batch=None,
    param_copies=0,
    copies_between_batches=0,
):
    """Peak bytes of training a network on batches of the given size.

    The parameters, their gradient, the optimizer's arrays and
    ``param_copies`` more copies, plus the largest of a training batch, a
    forward pass and ``copies_between_batches`` copies; or the peak of the
    initialisation, if higher.

    Parameters
    ----------
    cell, n_inputs, hidden_size, n_outputs, num_layers, bidirectional, \
dropout, input_dropout, output_dropout, recurrent_dropout, head, token_input, \
vocab_sizes, embedding_dims, dtype
        The network, as for :class:`~.network.RecurrentNetwork`. Embedding
        tables count as parameters; embedded columns as dense input rows
        (and their gradient).
    solver : {'adam', 'sgd'}, default='adam'
    n_sequences, n_rows : int
        Sequences and packed rows of the largest training batch.
    forward_batch : tuple of (int, int) or None, default=None
        Sequences and rows of the largest forward pass without cache, if any.
    param_copies, copies_between_batches : int, default=0
        Copies of the parameters the caller keeps during training (its
        checkpoints), and makes between batches (a new checkpoint).

    Returns
    -------
    n_bytes, n_params : int
        The peak, and the parameters of the network (:func:`count_parameters`).

    Examples
    --------
    >>> estimate_fit_bytes("lstm", 3, 2**62, 2, n_sequences=10, n_rows=100)[0] > 2**128
    True
    """
    if token_input:
        n_inputs, vocab_sizes = 0, [n_inputs]
    inputs = InputLayer(n_inputs, vocab_sizes or (), embedding_dims)
    n_inputs, token_input = inputs.width, inputs.direct
    net = dict(num_layers=num_layers, bidirectional=bidirectional, head=head)
    n_params = count_parameters(cell, n_inputs, hidden_size, n_outputs, **net)
    n_params += sum(v * d for v, d in inputs.param_shapes().values())
    params = n_params * np.dtype(dtype).itemsize
    batch = dict(
        net,
        n_outputs=n_outputs,
        dropout=dropout,
        input_dropout=input_dropout,
        output_dropout=output_dropout,
        recurrent_dropout=recurrent_dropout,
        token_input=token_input,
    )
    network = (cell, n_inputs, hidden_size, dtype)
    working = _working_bytes(network, batch, (n_sequences, n_rows), forward_batch)
    if inputs.embedded:  # the input rows' gradient, for the tables'
        working += int(n_rows) * n_inputs * np.dtype(dtype).itemsize
    working = max(working, int(copies_between_batches) * params)
    init = params + _init_bytes(n_inputs, hidden_size, bidirectional)
    return max(_held_bytes(params, solver, param_copies) + working, init), n_params


def _held_bytes(param_bytes, solver, param_copies):
    """Bytes held during the whole training, whatever the batch.

    The parameters, their gradient, the optimizer's state and scratch
    buffers, and ``param_copies`` copies of the parameters.
    """
    n_state, n_scratch = optimizer_arrays(solver)
    return (2 + n_state + n_scratch + int(param_copies)) * param_bytes


def _working_bytes(network, options, train_batch, forward_batch):
    """The larger of a training batch's arrays and a forward pass's.

    Parameters
    ----------
    network : tuple of (cell, n_inputs, hidden_size, dtype)
    options : dict
        The other arguments of :func:`activation_bytes` but the batch's.
    train_batch : tuple of (int, int)
        Sequences and rows of the largest training batch.
    forward_batch : tuple of (int, int) or None
        Sequences and rows of the largest forward pass without cache.

    Returns
    -------
    int
    """
    cell, n_inputs, hidden_size, dtype = network
    net = dict(options, dtype=dtype)
    B, N = train_batch
    working = activation_bytes(
        cell, n_inputs, hidden_size, n_sequences=B, n_rows=N, **net
    )
    if forward_batch is not None:
        B, N = forward_batch
        forward = activation_bytes(
            cell, n_inputs, hidden_size, n_sequences=B, n_rows=N, training=False, **net
        )
        working = max(working, forward)
    return working


def estimate_seq2seq_fit_bytes(
    encoder,
    decoder,
    *,
    attention_size,
    n_sequences,
    source_steps,
    target_steps,
    input_feeding=False,
    **training,
):
    """Peak bytes of training an encoder-decoder, an upper bound.

    The encoder's and the decoder's own estimates (:func:`estimate_fit_bytes`;
    the decoder with the output layer as a head on every step), plus the
    attention's arrays over padded batches.

    Parameters
    ----------
    encoder : dict or None
        The encoder, as :func:`estimate_fit_bytes`'s network keywords with
        ``n_rows`` (None for vector input).
    decoder : dict
        The same for the decoder.
    attention_size : int or None
        The attention's hidden size of each query and source step (0 for
        dot and general attention, None without attention).
    n_sequences, source_steps, target_steps : int
        Samples of the largest batch, and the longest source and target.
    input_feeding : bool, default=False
        The decoder feeds its attentional states (:mod:`~.feeding`), which
        keeps a few more arrays of them.
    **training
        ``solver``, ``param_copies`` and ``copies_between_batches``.

    Returns
    -------
    n_bytes, n_params : int
    """
    n_bytes, n_params = 0, 0
    for part in (encoder, decoder):
        if part is not None:
            b, p = estimate_fit_bytes(**part, n_sequences=n_sequences, **training)
            n_bytes, n_params = n_bytes + b, n_params + p
    if attention_size is not None:
        width = decoder["hidden_size"]
        # W_c, then W_a ('general', attention_size 0) or W_aq, W_ak, v_a
        weights = 2 * width * width
        weights += (2 * width + 1) * attention_size if attention_size else width**2
        pairs = n_sequences * source_steps * target_steps
        values = pairs * (4 + 2 * attention_size)  # scores, weights, gradients
        values += 6 * n_sequences * (source_steps + target_steps) * width
        if input_feeding:  # fed states, padded queries and their gradients
            values += 5 * n_sequences * target_steps * width
        # the weights with their gradient, the optimizer's state and copies
        copies = 2 + sum(optimizer_arrays(training.get("solver", "adam")))
        copies += int(training.get("param_copies", 0))
        itemsize = np.dtype(decoder.get("dtype", np.float32)).itemsize
        n_bytes += (values + copies * weights) * itemsize
        n_params += weights
    return n_bytes, n_params
