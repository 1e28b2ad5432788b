# SPDX-License-Identifier: BSD-3-Clause
"""Discovery of skrnn's public estimators, as ``sklearn.utils.all_estimators``."""

import inspect

from sklearn.base import BaseEstimator

__all__ = ["all_estimators"]


def all_estimators():
    """Every public estimator class of skrnn.

    Returns
    -------
    list of (str, type)
        ``(name, class)`` pairs, sorted by name, for every name in
        ``skrnn.__all__`` that is a scikit-learn estimator class.

    Examples
    --------
    >>> from skrnn.utils.discovery import all_estimators
    >>> [name for name, _ in all_estimators()][:2]
    ['CharRNNGenerator', 'OneHotCharEncoder']
    """
    import skrnn

    found = []
    for name in skrnn.__all__:
        obj = getattr(skrnn, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            found.append((name, obj))
    return sorted(found)
