# SPDX-License-Identifier: BSD-3-Clause
# cython: language_level=3, boundscheck=False, wraparound=False
# cython: initializedcheck=False, cdivision=True
"""Compiled element-wise work of one time step, for each cell; the head's loss;
the sampling of tokens; Adam's update.

The Python side of ``_step_kernels.h``: each function takes the same rows of
the packed buffers as the NumPy reference in :mod:`skrnn._engine.cells`
(C-contiguous, float32 or float64, all of one dtype) and does everything of
the step but the recurrent product in one pass. Typed memoryviews check the
dtype, the shapes' contiguity and writability; the shapes are checked here,
so a wrong call raises instead of reading out of bounds.

Arguments that may be None (``h_prev``, ``c_prev``, ``dh_out``) are the
optional caches and the optional gradient of the outputs.
"""

import numpy as np

from cython cimport floating

cdef extern from "_step_kernels.h" nogil:
    const char* skrnn_kernel_isa()
    void rnn_forward_f32(float*, const float*, float*, float*, float*, int,
                         Py_ssize_t, Py_ssize_t)
    void rnn_forward_f64(double*, const double*, double*, double*, double*, int,
                         Py_ssize_t, Py_ssize_t)
    void rnn_backward_f32(float*, float*, const float*, int, Py_ssize_t, Py_ssize_t)
    void rnn_backward_f64(double*, double*, const double*, int, Py_ssize_t,
                          Py_ssize_t)
    void lstm_forward_f32(float*, const float*, float*, float*, float*, float*,
                          float*, float*, Py_ssize_t, Py_ssize_t)
    void lstm_forward_f64(double*, const double*, double*, double*, double*,
                          double*, double*, double*, Py_ssize_t, Py_ssize_t)
    void lstm_backward_f32(float*, float*, const float*, float*, const float*,
                           const float*, Py_ssize_t, Py_ssize_t)
    void lstm_backward_f64(double*, double*, const double*, double*,
                           const double*, const double*, Py_ssize_t, Py_ssize_t)
    void gru_forward_f32(float*, const float*, const float*, float*, float*,
                         float*, float*, Py_ssize_t, Py_ssize_t)
    void gru_forward_f64(double*, const double*, const double*, double*, double*,
                         double*, double*, Py_ssize_t, Py_ssize_t)
    void gru_backward_f32(float*, float*, float*, const float*, const float*,
                          const float*, Py_ssize_t, Py_ssize_t)
    void gru_backward_f64(double*, double*, double*, const double*,
                          const double*, const double*, Py_ssize_t, Py_ssize_t)
    double softmax_xent_f32(float*, const long long*, const float*, double,
                            Py_ssize_t, Py_ssize_t)
    double softmax_xent_f64(double*, const long long*, const double*, double,
                            Py_ssize_t, Py_ssize_t)
    void sample_f32(const float*, double, const double*, Py_ssize_t*, double*,
                    Py_ssize_t, Py_ssize_t)
    void sample_f64(const double*, double, const double*, Py_ssize_t*, double*,
                    Py_ssize_t, Py_ssize_t)
    void adam_update_f32(float*, const float*, float*, float*, Py_ssize_t, float,
                         float, float, float, float, float)
    void adam_update_f64(double*, const double*, double*, double*, Py_ssize_t,
                         double, double, double, double, double, double)


def instruction_set():
    """The instruction set of the kernels that run on this CPU, as a string.

    On x86-64 Linux each kernel is built for AVX-512, AVX2 and the baseline,
    and the loader picks the best one the CPU runs.
    """
    return skrnn_kernel_isa().decode()


cdef inline void _check(bint ok, str what) except *:
    if not ok:
        raise ValueError(f"step kernel: {what}")


cdef inline void _rows(floating[:, ::1] a, Py_ssize_t n, Py_ssize_t width,
                       str name) except *:
    if a.shape[0] != n or a.shape[1] != width:
        raise ValueError(
            f"step kernel: {name} has shape ({a.shape[0]}, {a.shape[1]}), "
            f"expected ({n}, {width})"
        )


cdef inline floating* _ptr(floating[:, ::1] a):
    return NULL if a is None else &a[0, 0]


cdef inline floating* _vptr(floating[::1] a):
    return NULL if a is None else &a[0]


def rnn_forward(floating[:, ::1] g not None, floating[:, ::1] rec not None,
                floating[:, ::1] h not None, floating[:, ::1] h_out not None,
                floating[:, ::1] h_prev, bint relu):
    """g <- act(g + rec); h_out, h <- g; h_prev <- h first (unless None)."""
    cdef Py_ssize_t n = g.shape[0], H = g.shape[1]
    if n == 0:
        return
    _rows(rec, n, H, "rec")
    _rows(h, n, H, "h")
    _rows(h_out, n, H, "h_out")
    if h_prev is not None:
        _rows(h_prev, n, H, "h_prev")
    if floating is float:
        rnn_forward_f32(&g[0, 0], &rec[0, 0], &h[0, 0], &h_out[0, 0],
                        _ptr(h_prev), relu, n, H)
    else:
        rnn_forward_f64(&g[0, 0], &rec[0, 0], &h[0, 0], &h_out[0, 0],
                        _ptr(h_prev), relu, n, H)


def rnn_backward(floating[:, ::1] g not None, floating[:, ::1] dh not None,
                 floating[:, ::1] dh_out, bint relu):
    """dh += dh_out (unless None); g (h_t) <- d(pre-activation)."""
    cdef Py_ssize_t n = g.shape[0], H = g.shape[1]
    if n == 0:
        return
    _rows(dh, n, H, "dh")
    if dh_out is not None:
        _rows(dh_out, n, H, "dh_out")
    if floating is float:
        rnn_backward_f32(&g[0, 0], &dh[0, 0], _ptr(dh_out), relu, n, H)
    else:
        rnn_backward_f64(&g[0, 0], &dh[0, 0], _ptr(dh_out), relu, n, H)


def lstm_forward(floating[:, ::1] g not None, floating[:, ::1] rec not None,
                 floating[:, ::1] c not None,
                 floating[:, ::1] h not None, floating[:, ::1] h_out not None,
                 floating[:, ::1] tanh_c not None, floating[:, ::1] h_prev,
                 floating[:, ::1] c_prev):
    """The LSTM step after its recurrent product ``rec`` (see the header)."""
    cdef Py_ssize_t n = g.shape[0], H = h.shape[1]
    if n == 0:
        return
    _rows(g, n, 4 * H, "g")
    _rows(rec, n, 4 * H, "rec")
    _rows(c, n, H, "c")
    _rows(h, n, H, "h")
    _rows(h_out, n, H, "h_out")
    _rows(tanh_c, n, H, "tanh_c")
    _check((h_prev is None) == (c_prev is None), "h_prev and c_prev go together")
    if h_prev is not None:
        _rows(h_prev, n, H, "h_prev")
        _rows(c_prev, n, H, "c_prev")
    if floating is float:
        lstm_forward_f32(&g[0, 0], &rec[0, 0], &c[0, 0], &h[0, 0], &h_out[0, 0],
                         &tanh_c[0, 0], _ptr(h_prev), _ptr(c_prev), n, H)
    else:
        lstm_forward_f64(&g[0, 0], &rec[0, 0], &c[0, 0], &h[0, 0], &h_out[0, 0],
                         &tanh_c[0, 0], _ptr(h_prev), _ptr(c_prev), n, H)


def lstm_backward(floating[:, ::1] g not None, floating[:, ::1] dh not None,
                  floating[:, ::1] dh_out, floating[:, ::1] dc not None,
                  floating[:, ::1] tanh_c not None,
                  floating[:, ::1] c_prev not None):
    """The LSTM step's gradient before its recurrent product (see the header)."""
    cdef Py_ssize_t n = g.shape[0], H = dh.shape[1]
    if n == 0:
        return
    _rows(g, n, 4 * H, "g")
    _rows(dh, n, H, "dh")
    _rows(dc, n, H, "dc")
    _rows(tanh_c, n, H, "tanh_c")
    _rows(c_prev, n, H, "c_prev")
    if dh_out is not None:
        _rows(dh_out, n, H, "dh_out")
    if floating is float:
        lstm_backward_f32(&g[0, 0], &dh[0, 0], _ptr(dh_out), &dc[0, 0],
                          &tanh_c[0, 0], &c_prev[0, 0], n, H)
    else:
        lstm_backward_f64(&g[0, 0], &dh[0, 0], _ptr(dh_out), &dc[0, 0],
                          &tanh_c[0, 0], &c_prev[0, 0], n, H)


def gru_forward(floating[:, ::1] g not None, floating[:, ::1] gh not None,
                floating[::1] b_hh not None,
                floating[:, ::1] h not None, floating[:, ::1] h_out not None,
                floating[:, ::1] gh_n not None, floating[:, ::1] h_prev):
    """The GRU step after its recurrent product ``gh`` (see the header).

    ``gh_n`` receives ``h_{t-1} @ W_hn + b_hn``: the cache's rows, or
    scratch rows when there is no cache.
    """
    cdef Py_ssize_t n = g.shape[0], H = h.shape[1]
    if n == 0:
        return
    _rows(g, n, 3 * H, "g")
    _rows(gh, n, 3 * H, "gh")
    _check(b_hh.shape[0] == 3 * H, "b_hh must have 3 H entries")
    _rows(h, n, H, "h")
    _rows(h_out, n, H, "h_out")
    _rows(gh_n, n, H, "gh_n")
    if h_prev is not None:
        _rows(h_prev, n, H, "h_prev")
    if floating is float:
        gru_forward_f32(&g[0, 0], &gh[0, 0], &b_hh[0], &h[0, 0], &h_out[0, 0],
                        &gh_n[0, 0], _ptr(h_prev), n, H)
    else:
        gru_forward_f64(&g[0, 0], &gh[0, 0], &b_hh[0], &h[0, 0], &h_out[0, 0],
                        &gh_n[0, 0], _ptr(h_prev), n, H)


def gru_backward(floating[:, ::1] g not None, floating[:, ::1] d_rec not None,
                 floating[:, ::1] dh not None,
                 floating[:, ::1] dh_out, floating[:, ::1] h_prev,
                 floating[:, ::1] gh_n not None):
    """The GRU step's gradient before its recurrent product (see the header)."""
    cdef Py_ssize_t n = g.shape[0], H = dh.shape[1]
    if n == 0:
        return
    _rows(g, n, 3 * H, "g")
    _rows(d_rec, n, 3 * H, "d_rec")
    _rows(dh, n, H, "dh")
    _rows(h_prev, n, H, "h_prev")
    _rows(gh_n, n, H, "gh_n")
    if dh_out is not None:
        _rows(dh_out, n, H, "dh_out")
    if floating is float:
        gru_backward_f32(&g[0, 0], &d_rec[0, 0], &dh[0, 0], _ptr(dh_out),
                         &h_prev[0, 0], &gh_n[0, 0], n, H)
    else:
        gru_backward_f64(&g[0, 0], &d_rec[0, 0], &dh[0, 0], _ptr(dh_out),
                         &h_prev[0, 0], &gh_n[0, 0], n, H)


def softmax_cross_entropy(floating[:, ::1] z not None, const long long[::1] y not None,
                          floating[::1] w, double normalizer):
    """Softmax cross-entropy of rows of logits, fused with its gradient.

    Overwrites ``z`` (n, C) with ``(softmax(z) - onehot(y)) * w / normalizer``
    and returns the sum over rows of ``w * -log(softmax(z)[y])`` (``w`` = 1
    where ``w`` is None), as :func:`skrnn._engine.losses.softmax_cross_entropy`
    computes them.
    """
    cdef Py_ssize_t n = z.shape[0], C = z.shape[1], r
    _check(y.shape[0] == n, f"y has {y.shape[0]} entries for {n} rows")
    if w is not None:
        _check(w.shape[0] == n, f"w has {w.shape[0]} entries for {n} rows")
    _check(normalizer > 0, "the normalizer must be positive")
    if n == 0:
        return 0.0
    _check(C > 0, "there must be at least one class")
    for r in range(n):
        if y[r] < 0 or y[r] >= C:
            raise ValueError(f"softmax kernel: y[{r}] = {y[r]} is not a class of {C}")
    if floating is float:
        return softmax_xent_f32(&z[0, 0], &y[0], _vptr(w), normalizer, n, C)
    else:
        return softmax_xent_f64(&z[0, 0], &y[0], _vptr(w), normalizer, n, C)


def sample_tokens(const floating[:, ::1] z not None, double temperature,
                  const double[::1] u not None, Py_ssize_t[::1] out not None):
    """Draw one token per row of logits, as :func:`~.sampling.sample_next` does.

    Row ``r`` of ``z`` (n, V) gets, in ``out[r]``, the token its softmax at
    ``temperature`` (> 0) gives to the uniform draw ``u[r]`` in [0, 1): the
    first token whose cumulative probability exceeds ``u[r]`` times the
    total, never one of probability 0. The arithmetic is float64 for both
    dtypes.
    """
    cdef Py_ssize_t n = z.shape[0], V = z.shape[1]
    _check(u.shape[0] == n, f"u has {u.shape[0]} entries for {n} rows")
    _check(out.shape[0] == n, f"out has {out.shape[0]} entries for {n} rows")
    _check(temperature > 0, "the temperature must be positive")
    if n == 0:
        return
    _check(V > 0, "there must be at least one token")
    cdef double[::1] scratch = np.empty(V, dtype=np.float64)
    if floating is float:
        sample_f32(&z[0, 0], temperature, &u[0], &out[0], &scratch[0], n, V)
    else:
        sample_f64(&z[0, 0], temperature, &u[0], &out[0], &scratch[0], n, V)


def adam_update(floating[::1] params not None, const floating[::1] grads not None,
                floating[::1] m not None, floating[::1] v not None,
                double beta_1, double beta_2, double epsilon, double learning_rate):
    """One Adam update in place, bit-identical to ``AdamOptimizer._apply``.

    ``params``, ``m`` and ``v`` are updated with ``grads`` in one pass:
    the reference's twelve NumPy calls, in its order and its dtype (the
    Python floats rounded to it as NumPy rounds them), fused.
    ``learning_rate`` is the bias-corrected ``lr_t``.
    """
    cdef Py_ssize_t n = params.shape[0]
    _check(grads.shape[0] == n and m.shape[0] == n and v.shape[0] == n,
           f"params, grads, m and v must have one length, got {n}, "
           f"{grads.shape[0]}, {m.shape[0]} and {v.shape[0]}")
    if n == 0:
        return
    if floating is float:
        adam_update_f32(&params[0], &grads[0], &m[0], &v[0], n,
                        <float>beta_1, <float>(1.0 - beta_1), <float>beta_2,
                        <float>(1.0 - beta_2), <float>epsilon,
                        <float>(-learning_rate))
    else:
        adam_update_f64(&params[0], &grads[0], &m[0], &v[0], n, beta_1,
                        1.0 - beta_1, beta_2, 1.0 - beta_2, epsilon,
                        -learning_rate)
