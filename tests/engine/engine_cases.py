# SPDX-License-Identifier: BSD-3-Clause
"""Shared configuration grid for the engine tests.

The grid is built from the engine's own option tables (``CELLS``, ``HEADS``),
so a new cell or head cannot ship without entering every test below.
"""

import itertools

import numpy as np

from skrnn._engine import RecurrentNetwork, pack_sequences
from skrnn._engine.cells import CELLS

# (cell, activation): every cell, and every activation of the vanilla cell.
CELL_CONFIGS = [("rnn", "tanh"), ("rnn", "relu")] + [
    (c, "tanh") for c in sorted(CELLS) if c != "rnn"
]
LENGTHS = {"equal": [4, 4, 4], "variable": [4, 2, 3]}
N_FEATURES, HIDDEN, N_OUT, VOCAB = 2, 3, 4, 5
#: Input kinds: dense features; one token column read directly (the
#: generator's ``token_input``); two token columns read directly; two token
#: columns through embeddings of sizes EMBEDDING_DIMS.
INPUT_KINDS = ["dense", "tokens", "columns", "embedded"]
COLUMN_VOCABS, EMBEDDING_DIMS = [VOCAB, 3], [2, 3]


def config_grid():
    """Every cell x direction x depth x lengths x head x input kind."""
    return list(
        itertools.product(
            CELL_CONFIGS,
            [False, True],  # bidirectional
            [1, 2],  # num_layers
            sorted(LENGTHS),
            ["last", "all"],
            INPUT_KINDS,
        )
    )


def config_id(config):
    (cell, act), bi, layers, lengths, head, inputs = config
    return f"{cell}-{act}-{'bi' if bi else 'uni'}-L{layers}-{lengths}-{head}-{inputs}"


def make_case(config, dtype=np.float64, seed=0, lengths=None):
    """A network, its parameters and a packed batch for one configuration."""
    (cell, act), bi, layers, lengths_kind, head, inputs = config
    rng = np.random.default_rng(seed)
    tokens = inputs == "tokens"
    columns = inputs in ("columns", "embedded")
    net = RecurrentNetwork(
        cell,
        VOCAB if tokens else 0 if columns else N_FEATURES,
        HIDDEN,
        N_OUT,
        num_layers=layers,
        bidirectional=bi,
        activation=act,
        head=head,
        token_input=tokens,
        vocab_sizes=COLUMN_VOCABS if columns else None,
        embedding_dims=EMBEDDING_DIMS if inputs == "embedded" else None,
        dtype=dtype,
    )
    params = net.init_params(rng)
    # Random (not just initial) biases, so that every gradient path is exercised.
    params += 0.1 * rng.standard_normal(params.shape).astype(dtype)
    lengths = LENGTHS[lengths_kind] if lengths is None else lengths
    if tokens:
        seqs = [rng.integers(0, VOCAB, size=n) for n in lengths]
    elif columns:
        seqs = [
            np.stack([rng.integers(0, v, size=n) for v in COLUMN_VOCABS], axis=1)
            for n in lengths
        ]
    else:
        seqs = [rng.standard_normal((n, N_FEATURES)).astype(dtype) for n in lengths]
    x, packing = pack_sequences(seqs)
    shape = (net.n_states, len(lengths), HIDDEN)
    h0 = rng.standard_normal(shape).astype(dtype)
    c0 = rng.standard_normal(shape).astype(dtype) if cell == "lstm" else None
    return net, params, seqs, x, packing, h0, c0, rng
