# SPDX-License-Identifier: BSD-3-Clause
"""skrnn: recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators.

Everything runs on a small engine written in NumPy (``skrnn._engine``):
forward pass, backpropagation through time and the optimizers.
"""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
