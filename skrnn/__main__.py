# SPDX-License-Identifier: BSD-3-Clause
"""``python -m skrnn``: see :mod:`skrnn._cli`."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
