# SPDX-License-Identifier: BSD-3-Clause
"""Pickles that record the skrnn version, and a warning when it differs.

scikit-learn's ``BaseEstimator`` records ``_sklearn_version`` in the pickle
of its own estimators only (those of a ``sklearn.`` module). This mixin does
the same for skrnn: ``__getstate__`` adds ``_skrnn_version`` and
``__setstate__`` removes it, warning with
:class:`skrnn.exceptions.InconsistentVersionWarning` when it is not the
running version. Put it before ``BaseEstimator`` in the bases.
"""

import inspect
import warnings

from .exceptions import InconsistentVersionWarning

__all__ = ["VersionedPickleMixin"]

_KEY = "_skrnn_version"


def _current_version():
    import skrnn  # at call time: the package imports the estimators lazily

    return skrnn.__version__


class VersionedPickleMixin:
    """Record the skrnn version in pickles; warn when loading another's."""

    def __getstate__(self):
        state = super().__getstate__()
        return dict(state, **{_KEY: _current_version()})

    def __setstate__(self, state):
        state = dict(state)
        original = state.pop(_KEY, "unknown")
        current = _current_version()
        if original != current:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_skrnn_version=current,
                    original_skrnn_version=original,
                ),
                stacklevel=2,
            )
        for name, parameter in inspect.signature(
            type(self).__init__
        ).parameters.items():
            if parameter.default is not inspect.Parameter.empty:
                state.setdefault(name, parameter.default)
        super().__setstate__(state)
