# SPDX-License-Identifier: BSD-3-Clause
"""Utilities: :func:`~skrnn.utils.discovery.all_estimators`."""
