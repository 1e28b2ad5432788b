# SPDX-License-Identifier: BSD-3-Clause
"""The one place where skrnn imports scikit-learn's private validation tools.

``Interval``, ``StrOptions``, ``Options`` and ``_fit_context`` are private
scikit-learn API (stable in practice since 1.2, used by scikit-learn-contrib
projects). Importing them here only means a change in scikit-learn breaks
one module.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions

__all__ = ["Interval", "Options", "StrOptions", "_fit_context"]
