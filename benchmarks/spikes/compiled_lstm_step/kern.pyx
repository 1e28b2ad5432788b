# cython: boundscheck=False, wraparound=False, cdivision=True, language_level=3
"""Spike: an LSTM direction's forward time loop in compiled code (float32).

See README.md: one loop, ``sgemm`` per step, then the pointwise part in
Cython, in C with libm, or in C with a rational tanh (``lstm_c.h``).
"""
from cython.parallel cimport prange
from libc.math cimport expf, tanhf
from scipy.linalg.cython_blas cimport sgemm


cdef inline float sigm(float x) noexcept nogil:
    return 1.0 / (1.0 + expf(-x))


cdef void pointwise(float[:, ::1] XW, float[:, ::1] S, float[:, ::1] c,
                    float[:, ::1] h, float[:, ::1] h_out, float[:, ::1] tanh_c,
                    int a, int n, int H, int threads) noexcept nogil:
    cdef int r, j
    cdef float gi, gf, gg, go, cc, tc
    for r in prange(n, num_threads=threads, schedule="static"):
        for j in range(H):
            gi = sigm(XW[a + r, j] + S[r, j])
            gf = sigm(XW[a + r, H + j] + S[r, H + j])
            gg = tanhf(XW[a + r, 2 * H + j] + S[r, 2 * H + j])
            go = sigm(XW[a + r, 3 * H + j] + S[r, 3 * H + j])
            cc = gf * c[r, j] + gi * gg
            c[r, j] = cc
            tc = tanhf(cc)
            tanh_c[a + r, j] = tc
            XW[a + r, j] = gi
            XW[a + r, H + j] = gf
            XW[a + r, 2 * H + j] = gg
            XW[a + r, 3 * H + j] = go
            h[r, j] = go * tc
            h_out[a + r, j] = go * tc


cdef extern from "lstm_c.h":
    void lstm_pointwise_c(float *xw, const float *s, float *c, float *h,
                          float *hout, float *tc, int n, int H, int threads) nogil
    void lstm_pointwise_fast(float *xw, const float *s, float *c, float *h,
                             float *hout, float *tc, int n, int H, int threads) nogil

#: the pointwise part: Cython, C with libm, C with the rational tanh
KINDS = {"cython": 0, "C": 1, "fast": 2}


def lstm_forward(str kind, float[:, ::1] XW, float[:, ::1] W_hh, long[::1] offsets,
                 float[:, ::1] h, float[:, ::1] c, float[:, ::1] h_out,
                 float[:, ::1] tanh_c, float[:, ::1] S, int threads=1):
    """Every step: S = h @ W_hh (sgemm), then the gates and the state."""
    cdef int T = offsets.shape[0] - 1
    cdef int H = W_hh.shape[0]
    cdef int G = 4 * H
    cdef int t, a, n
    cdef int which = KINDS[kind]
    cdef float one = 1.0, zero = 0.0
    cdef char *N = b"N"
    with nogil:
        for t in range(T):
            a = offsets[t]
            n = offsets[t + 1] - a
            sgemm(N, N, &G, &n, &H, &one, &W_hh[0, 0], &G, &h[0, 0], &H,
                  &zero, &S[0, 0], &G)
            if which == 0:
                pointwise(XW, S, c, h, h_out, tanh_c, a, n, H, threads)
            elif which == 1:
                lstm_pointwise_c(&XW[a, 0], &S[0, 0], &c[0, 0], &h[0, 0],
                                 &h_out[a, 0], &tanh_c[a, 0], n, H, threads)
            else:
                lstm_pointwise_fast(&XW[a, 0], &S[0, 0], &c[0, 0], &h[0, 0],
                                    &h_out[a, 0], &tanh_c[a, 0], n, H, threads)
