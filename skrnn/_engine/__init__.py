# SPDX-License-Identifier: BSD-3-Clause
"""The skrnn engine: recurrent networks in NumPy (and SciPy), nothing else.

This subpackage never imports scikit-learn or the rest of skrnn (a test
enforces it). The estimators are thin layers over it.

Modules
-------
packing
    Variable-length batches in PyTorch's packed layout; sequences as runs of
    rows of one flat array (``Ragged``).
cells
    RNN, LSTM and GRU cells: one step forward and backward.
kernels
    Which code runs a step's element-wise work: the compiled kernels
    (``_step_kernels``, built at install time) or the cells' NumPy code.
recycling
    A training loop's memory: each step's large buffers reuse the pages
    the previous step freed (``_recycling``, built at install time).
layers
    The time loop, stacking and bidirectional layers.
network
    A whole network with its head, forward, backward and loss_and_grad.
stepper
    One step at a time with preallocated buffers, for generation.
attention
    Luong and Bahdanau attention over an encoder's outputs.
seq2seq
    An encoder-decoder (or a vector-to-sequence decoder), teacher-forced.
decoding
    Greedy, sampled and beam-search decoding of an encoder-decoder.
batched
    Inference over many sequences, chunk by chunk, in an order that makes
    every output independent of the rest of the batch.
streams
    A token corpus read as parallel streams of windows, the state carried
    between windows (truncated backpropagation through time).
losses
    Softmax cross-entropy and squared error, fused with their gradients.
optimizers
    Adam and SGD (momentum, Nesterov), global-norm clipping, L2 penalty,
    all over the flat parameter and gradient buffers.
params
    The flat parameter buffer and initialisers.
memory
    The bytes a network and its training would take, counted before
    allocating anything.
gradcheck
    Central differences for the tests.
"""

from .network import HEADS, LOSSES, RecurrentNetwork
from .optimizers import AdamOptimizer, SGDOptimizer, add_l2_penalty, clip_grad_norm
from .packing import (
    Packing,
    Ragged,
    pack_array,
    pack_rows,
    pack_sequences,
    unpack_sequences,
)
from .stepper import Stepper

__all__ = [
    "HEADS",
    "LOSSES",
    "AdamOptimizer",
    "Packing",
    "Ragged",
    "RecurrentNetwork",
    "SGDOptimizer",
    "Stepper",
    "add_l2_penalty",
    "clip_grad_norm",
    "pack_array",
    "pack_rows",
    "pack_sequences",
    "unpack_sequences",
]
