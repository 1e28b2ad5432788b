# SPDX-License-Identifier: BSD-3-Clause
"""All parameters of a network in one flat buffer, with named views.

Keeping every weight in one contiguous vector makes an optimizer update a
handful of vector operations, global-norm clipping a single ``norm``, and a
gradient check a loop over one array. Each named parameter is a reshaped view
into the buffer; the gradient buffer has the same layout.
"""

import numpy as np

__all__ = ["ParamLayout", "glorot_uniform", "orthogonal"]


class ParamLayout:
    """Names, shapes and offsets of parameters inside a flat vector.

    Parameters
    ----------
    shapes : dict of str to tuple of int
        Parameter shapes, in the order they are stored.
    dtype : numpy dtype
    """

    def __init__(self, shapes, dtype):
        self.dtype = np.dtype(dtype)
        self.shapes = dict(shapes)
        self.offsets = {}
        size = 0
        for name, shape in self.shapes.items():
            n = int(np.prod(shape, dtype=np.int64))
            self.offsets[name] = (size, size + n)
            size += n
        self.size = size

    @property
    def names(self):
        """list of str: parameter names in storage order."""
        return list(self.shapes)

    def zeros(self):
        """ndarray of shape (size,): a zero flat buffer."""
        return np.zeros(self.size, dtype=self.dtype)

    def views(self, flat):
        """Named views into ``flat``.

        Parameters
        ----------
        flat : ndarray of shape (size,)

        Returns
        -------
        dict of str to ndarray
            Writing into a view writes into ``flat``.
        """
        if flat.shape != (self.size,) or flat.dtype != self.dtype:
            raise ValueError(
                f"Expected a flat parameter vector of shape ({self.size},) and "
                f"dtype {self.dtype}, got shape {flat.shape} and dtype {flat.dtype}."
            )
        return {
            name: flat[a:b].reshape(self.shapes[name])
            for name, (a, b) in self.offsets.items()
        }


def glorot_uniform(rng, fan_in, fan_out, shape):
    """Glorot & Bengio (2010) uniform initialisation, drawn in float64."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def orthogonal(rng, n):
    """A random ``(n, n)`` orthogonal matrix (Saxe et al., 2014), float64."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))
