# SPDX-License-Identifier: BSD-3-Clause
"""Warnings and errors specific to skrnn."""

from ._engine.kernels import CompiledKernelsWarning

__all__ = ["CompiledKernelsWarning", "InconsistentVersionWarning"]


class InconsistentVersionWarning(UserWarning):
    """An estimator was unpickled by another version of skrnn than pickled it.

    The counterpart of :class:`sklearn.exceptions.InconsistentVersionWarning`
    (which scikit-learn raises only for its own estimators): a model saved by
    one skrnn version may not load correctly, or predict the same, in
    another.

    Parameters
    ----------
    estimator_name : str
        Name of the estimator's class.
    current_skrnn_version : str
        The skrnn version unpickling it.
    original_skrnn_version : str
        The skrnn version that pickled it (``'unknown'`` for a pickle that
        does not record one).
    """

    def __init__(
        self, *, estimator_name, current_skrnn_version, original_skrnn_version
    ):
        self.estimator_name = estimator_name
        self.current_skrnn_version = current_skrnn_version
        self.original_skrnn_version = original_skrnn_version

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} from skrnn version "
            f"{self.original_skrnn_version} when using version "
            f"{self.current_skrnn_version}. This might lead to breaking code or "
            "invalid results. Use at your own risk; refit the model with this "
            "version to be safe."
        )
