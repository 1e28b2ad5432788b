# SPDX-License-Identifier: BSD-3-Clause
"""The PyTorch twin of an engine network's recurrent stack, for parity tests.

The engine's parameters are PyTorch's, transposed: ``weight_ih = W_xh.T``,
``weight_hh = W_hh.T``. The vanilla and LSTM cells keep only the sum of
PyTorch's two biases, so the torch module gets ``bias_ih = b_h`` and a
frozen ``bias_hh = 0``; the GRU keeps both (``bias_ih = b_xh``,
``bias_hh = b_hh``). A test module that imports this one is skipped where
torch is not importable.
"""

import pytest

from skrnn._engine.layers import layer_param_name

# torch is not a dependency of skrnn; CI installs torch==2.13.0 (CPU).
# SKRNN_TEST_REQUIRE=torch (set by .ci/run) turns this skip into a failure.
torch = pytest.importorskip("torch")

TORCH_MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def recurrent_parameter_map(net, module):
    """``(our name, torch parameter, transposed)`` of every recurrent parameter.

    Parameters
    ----------
    net : RecurrentNetwork
    module : torch.nn.RNN, LSTM or GRU
        Built with ``net``'s sizes.

    Returns
    -------
    list of tuple
    """
    pairs = []
    for layer in range(net.num_layers):
        for d in range(net.n_directions):
            suffix = f"_l{layer}" + ("_reverse" if d else "")

            def ours(name, layer=layer, d=d):
                return layer_param_name(name, layer, d == 1)

            def theirs(name, suffix=suffix):
                return getattr(module, name + suffix)

            pairs.append((ours("W_xh"), theirs("weight_ih"), True))
            pairs.append((ours("W_hh"), theirs("weight_hh"), True))
            if net.cell.name == "gru":
                pairs.append((ours("b_xh"), theirs("bias_ih"), False))
                pairs.append((ours("b_hh"), theirs("bias_hh"), False))
            else:
                pairs.append((ours("b_h"), theirs("bias_ih"), False))
    return pairs


def torch_recurrent(net, params, dtype=torch.float64):
    """The torch module with ``net``'s recurrent weights.

    Parameters
    ----------
    net : RecurrentNetwork
    params : ndarray
        ``net``'s flat parameters.
    dtype : torch.dtype, default=torch.float64

    Returns
    -------
    module : torch.nn.Module
        ``batch_first``; the frozen zero ``bias_hh`` of the vanilla and LSTM
        cells does not require a gradient.
    pairs : list
        :func:`recurrent_parameter_map` of ``net`` and ``module``.
    """
    kwargs = {"nonlinearity": net.cell.activation} if net.cell.name == "rnn" else {}
    module = TORCH_MODULES[net.cell.name](
        net.inputs.width,
        net.hidden_size,
        num_layers=net.num_layers,
        batch_first=True,
        bidirectional=net.bidirectional,
        **kwargs,
    ).to(dtype)
    pairs = recurrent_parameter_map(net, module)
    views = net.layout.views(params)
    with torch.no_grad():
        for name, param, transposed in pairs:
            view = views[name]
            param.copy_(torch.from_numpy(view.T if transposed else view))
        if net.cell.name != "gru":
            for name, param in module.named_parameters():
                if name.startswith("bias_hh"):
                    param.zero_()
                    param.requires_grad_(False)
    return module, pairs
