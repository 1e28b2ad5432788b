# SPDX-License-Identifier: BSD-3-Clause
"""What the machine can hold, and a named error for what it cannot.

A fit (or a transform) whose arrays would not fit in memory is refused
before anything is allocated, with a ``ValueError`` naming the parameters
and the memory asked for, instead of an ``OverflowError``, an empty
``MemoryError`` or minutes of swapping. The limit is the physical memory
(or a smaller container limit): past it, nothing could work.
"""

import math
import os
import sys

import numpy as np

__all__ = [
    "available_memory",
    "check_memory",
    "format_bytes",
    "format_count",
    "format_int",
]

_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")

#: Container (cgroup v2, v1) limits, where one is set.
_CGROUP_LIMITS = (
    "/sys/fs/cgroup/memory.max",
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
)


def _physical_memory():
    """Bytes of physical memory, or None where the platform does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        pass
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [
                ("dwLength", ctypes.c_ulong),
                ("dwMemoryLoad", ctypes.c_ulong),
                ("ullTotalPhys", ctypes.c_ulonglong),
                ("ullAvailPhys", ctypes.c_ulonglong),
                ("ullTotalPageFile", ctypes.c_ulonglong),
                ("ullAvailPageFile", ctypes.c_ulonglong),
                ("ullTotalVirtual", ctypes.c_ulonglong),
                ("ullAvailVirtual", ctypes.c_ulonglong),
                ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
            ]

        status = _Status()
        status.dwLength = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.ullTotalPhys)
    return None


def _container_limit():
    """The cgroup's memory limit in bytes, or None if there is none."""
    for path in _CGROUP_LIMITS:
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit():
            return int(text)
    return None


def available_memory():
    """Bytes of memory this process could ever use.

    The physical memory (``SC_PAGE_SIZE * SC_PHYS_PAGES``; Windows' total
    physical memory), or the container's limit if that is lower. Where
    neither is known, what an array can address (``np.iinfo(np.intp).max``).

    Returns
    -------
    int
    """
    limits = [m for m in (_physical_memory(), _container_limit()) if m]
    return min(limits) if limits else int(np.iinfo(np.intp).max)


def format_bytes(n):
    """``n`` bytes in binary units, e.g. ``'1.5 GiB'`` (exact below 1 KiB).

    Past the largest unit, a power of two: ``'2**130.2 bytes'`` (a Python
    int of any size, never an overflow).
    """
    n = int(n)
    if n < 1024:
        return f"{n} bytes"
    if n >= 1024 ** len(_UNITS):
        return f"2**{math.log2(n):.1f} bytes"
    exponent = (n.bit_length() - 1) // 10
    return f"{n / 1024**exponent:.1f} {_UNITS[exponent]}"


def format_count(n):
    """An integer of any size, short: exact up to 12 digits, else ``'8.51e+37'``.

    (Python refuses to print an int of more than 4300 digits; ``math.log10``
    takes any.)
    """
    n = int(n)
    if abs(n) < 10**12:
        return str(n)
    exponent = math.floor(math.log10(abs(n)))
    mantissa = 10 ** (math.log10(abs(n)) - exponent)
    if round(mantissa, 2) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{'-' if n < 0 else ''}{mantissa:.2f}e+{exponent}"


def format_int(n):
    """A parameter's int value: exact up to 128 bits, else :func:`format_count`."""
    n = int(n)
    return str(n) if n.bit_length() <= 128 else format_count(n)


def check_memory(n_bytes, what, advice):
    """Raise a ValueError if ``n_bytes`` exceed :func:`available_memory`.

    Parameters
    ----------
    n_bytes : int
        The estimate of what would be allocated.
    what : str
        What needs it, naming the parameters (the message's start).
    advice : str
        What to change (the message's end).

    Raises
    ------
    ValueError
        Naming ``what``, the memory asked for and the memory there is.
    """
    limit = available_memory()
    if n_bytes > limit:
        raise ValueError(
            f"{what} would need about {format_bytes(n_bytes)} of memory, more "
            f"than the {format_bytes(limit)} this machine has. {advice}"
        )
