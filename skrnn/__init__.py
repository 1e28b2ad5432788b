# SPDX-License-Identifier: BSD-3-Clause
"""skrnn: recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators.

Everything runs on a small engine written in NumPy (``skrnn._engine``):
forward pass, backpropagation through time and the optimizers. The
estimators are imported lazily (PEP 562), so that ``import skrnn._engine``
does not import scikit-learn.
"""

import importlib

__version__ = "0.1.0.dev0"

_PUBLIC = {
    "RNNClassifier": "classifier",
    "RNNRegressor": "regressor",
    "RNNSequenceTagger": "tagger",
    "CharRNNGenerator": "generator",
    "RNNSeq2Seq": "seq2seq",
    "SlidingWindowTransformer": "preprocessing",
    "OneHotCharEncoder": "preprocessing",
    "TextTokenizer": "_text",
    "sliding_windows": "preprocessing",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        module = importlib.import_module(f".{_PUBLIC[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
