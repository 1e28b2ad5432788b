/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The element-wise work of one time step of each cell, forward and
 * backward, fused into one pass over the step's rows; and the softmax
 * cross-entropy of the head with its gradient, one pass per row; and
 * Adam's update of the parameters, one pass over them.
 *
 * These are the equations of skrnn/_engine/cells.py (the NumPy reference),
 * written once for both float types by the macros below. A step's recurrent
 * product (h @ W_hh, or d_pre @ W_hh.T) stays outside: it is a BLAS call
 * made by the caller. All arrays are C-contiguous rows of the packed
 * buffers: `n` rows of a step, hidden size `H`.
 *
 * tanh: float32 uses a rational approximation (Eigen's, a few ulp of
 * float32), float64 an expm1/exp formulation with Taylor polynomials (a few
 * ulp of float64), both in plain arithmetic, so that the compiler vectorises
 * the whole loop; libm's `tanhf` and `tanh` would keep it scalar. Sigmoids are 0.5 * tanh(x) + 0.5, the
 * weights of the sigmoid gates being pre-scaled by 0.5, as in the
 * reference.
 *
 * On x86-64 Linux, each kernel is compiled for AVX-512, AVX2 and the
 * baseline instruction set (GCC/Clang `target_clones`); the loader picks
 * the best one the CPU runs, so one build is fast on any x86-64 machine.
 * Defining SKRNN_NO_AVX512 at build time (CFLAGS=-DSKRNN_NO_AVX512) leaves
 * the AVX-512 clone out: on an AVX-512 machine, the kernels of one without
 * it, for benchmarks (docs/engine.rst, "Speed").
 */
#ifndef SKRNN_STEP_KERNELS_H
#define SKRNN_STEP_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && \
    (defined(__clang__) ? (__clang_major__ >= 14) : (defined(__GNUC__) && __GNUC__ >= 8))
#ifdef SKRNN_NO_AVX512
#define SKRNN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SKRNN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#else
#define SKRNN_CLONES
#endif

/* Which of the clones the loader picked on this CPU, for benchmark reports. */
static const char *skrnn_kernel_isa(void)
{
#if defined(__x86_64__) && defined(__linux__) && \
    (defined(__clang__) ? (__clang_major__ >= 14) : (defined(__GNUC__) && __GNUC__ >= 8))
    __builtin_cpu_init();
#ifndef SKRNN_NO_AVX512
    if (__builtin_cpu_supports("avx512f")) return "avx512f";
#endif
    if (__builtin_cpu_supports("avx2")) return "avx2";
    return "x86-64 baseline";
#else
    return "portable C, one build";
#endif
}

#if defined(_MSC_VER)
#define SKRNN_RESTRICT __restrict
#else
#define SKRNN_RESTRICT __restrict__
#endif

/* float32 tanh: Eigen's rational approximation (p / q, odd and even
   polynomials in x), exact to a few ulp of float32 on [-7.9, 7.9], clamped
   to +-1 beyond. NaN stays NaN (both comparisons are false). */
static inline float skrnn_tanhf(float x)
{
    const float lim = 7.90531110763549805f;
    x = x > lim ? lim : x;
    x = x < -lim ? -lim : x;
    const float x2 = x * x;
    float p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    p = p * x;
    float q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    float t = p / q;
    t = t > 1.0f ? 1.0f : t;
    return t < -1.0f ? -1.0f : t;
}

/* exp(x) for x <= 0 in float64, within a few ulp, vectorisable: x = n ln2 + r
   with |r| <= ln2 / 2 (Cody and Waite's two-part ln2), exp(r) by its Taylor
   series to degree 13 (remainder below 5e-18), 2^n from its exponent bits
   (n rounded by adding and subtracting 1.5 * 2^52). Below -708 (where the
   result would leave the normal range) it is 0; NaN stays NaN. */
static inline double skrnn_exp_neg(double x)
{
    const double xc = x < -708.0 ? -708.0 : x;
    const double shifter = 0x1.8p52;
    const double kd = xc * 1.4426950408889634 + shifter;    /* round(x/ln2) */
    unsigned long long bits;
    memcpy(&bits, &kd, sizeof bits);
    const double n = kd - shifter;
    const double r = (xc - n * 0x1.62e42fefa3800p-1) - n * 0x1.ef35793c76730p-45;
    double e = 1.0 / 6227020800.0;                          /* 1/13! */
    e = e * r + 1.0 / 479001600.0;
    e = e * r + 1.0 / 39916800.0;
    e = e * r + 1.0 / 3628800.0;
    e = e * r + 1.0 / 362880.0;
    e = e * r + 1.0 / 40320.0;
    e = e * r + 1.0 / 5040.0;
    e = e * r + 1.0 / 720.0;
    e = e * r + 1.0 / 120.0;
    e = e * r + 1.0 / 24.0;
    e = e * r + 1.0 / 6.0;
    e = e * r + 0.5;
    e = e * r + 1.0;
    e = e * r + 1.0;                                        /* exp(r) */
    const unsigned long long scale_bits = (bits + 1023ULL) << 52;
    double scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return x < -708.0 ? 0.0 : e * scale;
}

/* The same for float32: n from 1.5 * 2^23, exp(r) to degree 7 (remainder
   below 6e-9); 0 below -87. */
static inline float skrnn_expf_neg(float x)
{
    const float xc = x < -87.0f ? -87.0f : x;
    const float shifter = 0x1.8p23f;
    const float kd = xc * 1.44269504088896341f + shifter;
    unsigned int bits;
    memcpy(&bits, &kd, sizeof bits);
    const float n = kd - shifter;
    const float r = (xc - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
    float e = 1.0f / 5040.0f;
    e = e * r + 1.0f / 720.0f;
    e = e * r + 1.0f / 120.0f;
    e = e * r + 1.0f / 24.0f;
    e = e * r + 1.0f / 6.0f;
    e = e * r + 0.5f;
    e = e * r + 1.0f;
    e = e * r + 1.0f;
    const unsigned int scale_bits = (bits + 127U) << 23;
    float scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return x < -87.0f ? 0.0f : e * scale;
}

/* float64 tanh, within a few ulp, in plain arithmetic that vectorises (libm's
   `tanh` is scalar and costs about 10 ns here). With y = 2|x|, clamped at
   40 where tanh rounds to 1, tanh|x| = num / den (one division):
   - y < 0.55: num = -expm1(-y), den = 2 + expm1(-y), expm1 by its Taylor
     series to degree 16 (remainder below 4e-18 relative);
   - otherwise num = 1 - t, den = 1 + t with t = exp(-y) (1 - t >= 0.42).
   The sign is x's. NaN stays NaN; +-inf give +-1. */
static inline double skrnn_tanhd(double x)
{
    double y = 2.0 * fabs(x);
    y = y > 40.0 ? 40.0 : y;
    const double m = -y;
    double p = 1.0 / 20922789888000.0;                      /* 1/16! */
    p = p * m + 1.0 / 1307674368000.0;
    p = p * m + 1.0 / 87178291200.0;
    p = p * m + 1.0 / 6227020800.0;
    p = p * m + 1.0 / 479001600.0;
    p = p * m + 1.0 / 39916800.0;
    p = p * m + 1.0 / 3628800.0;
    p = p * m + 1.0 / 362880.0;
    p = p * m + 1.0 / 40320.0;
    p = p * m + 1.0 / 5040.0;
    p = p * m + 1.0 / 720.0;
    p = p * m + 1.0 / 120.0;
    p = p * m + 1.0 / 24.0;
    p = p * m + 1.0 / 6.0;
    p = p * m + 0.5;
    p = p * m + 1.0;
    const double em = p * m;                                /* expm1(-y) */
    const double t = skrnn_exp_neg(m);
    const int small = y < 0.55;
    const double num = small ? -em : 1.0 - t;
    const double den = small ? 2.0 + em : 1.0 + t;
    return copysign(num / den, x);
}

/* ReLU that keeps NaN (as np.maximum does): NaN < 0 is false. */
#define SKRNN_RELU(x) ((x) < 0 ? 0 : (x))

/* --- vanilla cell ------------------------------------------------------ */

/* g <- act(g + rec); h_out <- g; h <- g (h_prev <- h first, if given). */
#define SKRNN_RNN_FORWARD(T, SUF, TANH)                                       \
SKRNN_CLONES static void rnn_forward_##SUF(                                   \
    T *SKRNN_RESTRICT g, const T *SKRNN_RESTRICT rec, T *SKRNN_RESTRICT h,    \
    T *SKRNN_RESTRICT h_out, T *SKRNN_RESTRICT h_prev, int relu,              \
    ptrdiff_t n, ptrdiff_t H)                                                 \
{                                                                             \
    const ptrdiff_t m = n * H;                                                \
    if (h_prev) memcpy(h_prev, h, (size_t)m * sizeof(T));                     \
    if (relu) {                                                               \
        for (ptrdiff_t k = 0; k < m; k++) {                                   \
            const T y = SKRNN_RELU(g[k] + rec[k]);                            \
            g[k] = y; h_out[k] = y; h[k] = y;                                 \
        }                                                                     \
    } else {                                                                  \
        for (ptrdiff_t k = 0; k < m; k++) {                                   \
            const T y = TANH(g[k] + rec[k]);                                  \
            g[k] = y; h_out[k] = y; h[k] = y;                                 \
        }                                                                     \
    }                                                                         \
}

/* dh (+ dh_out) -> g <- d(pre-activation). g holds h_t on entry. */
#define SKRNN_RNN_BACKWARD(T, SUF)                                            \
SKRNN_CLONES static void rnn_backward_##SUF(                                  \
    T *SKRNN_RESTRICT g, T *SKRNN_RESTRICT dh,                                \
    const T *SKRNN_RESTRICT dh_out, int relu, ptrdiff_t n, ptrdiff_t H)       \
{                                                                             \
    const ptrdiff_t m = n * H;                                                \
    if (dh_out) for (ptrdiff_t k = 0; k < m; k++) dh[k] += dh_out[k];         \
    if (relu) {                                                               \
        for (ptrdiff_t k = 0; k < m; k++) g[k] = dh[k] * (g[k] > 0 ? 1 : 0);  \
    } else {                                                                  \
        for (ptrdiff_t k = 0; k < m; k++) g[k] = dh[k] * (1 - g[k] * g[k]);   \
    }                                                                         \
}

/* --- LSTM ---------------------------------------------------------------- */

/* Gates i f g o in column blocks of g (n, 4H), pre-activations on entry
   (input projection; the recurrent product in rec), activations on exit.
   c <- f c + i g; tanh_c <- tanh(c) (the cache's rows, or scratch);
   h_out, h <- o tanh(c). h_prev, c_prev (if given) <- h, c first. */
#define SKRNN_LSTM_FORWARD(T, SUF, TANH)                                      \
SKRNN_CLONES static void lstm_forward_##SUF(                                  \
    T *SKRNN_RESTRICT g, const T *SKRNN_RESTRICT rec, T *SKRNN_RESTRICT c,    \
    T *SKRNN_RESTRICT h, T *SKRNN_RESTRICT h_out, T *SKRNN_RESTRICT tanh_c,   \
    T *SKRNN_RESTRICT h_prev, T *SKRNN_RESTRICT c_prev,                       \
    ptrdiff_t n, ptrdiff_t H)                                                 \
{                                                                             \
    if (h_prev) memcpy(h_prev, h, (size_t)(n * H) * sizeof(T));               \
    if (c_prev) memcpy(c_prev, c, (size_t)(n * H) * sizeof(T));               \
    for (ptrdiff_t r = 0; r < n; r++) {                                       \
        T *SKRNN_RESTRICT gr = g + r * 4 * H;                                 \
        const T *SKRNN_RESTRICT sr = rec + r * 4 * H;                         \
        T *SKRNN_RESTRICT cr = c + r * H;                                     \
        T *SKRNN_RESTRICT hr = h + r * H;                                     \
        T *SKRNN_RESTRICT hor = h_out + r * H;                                \
        T *SKRNN_RESTRICT tr = tanh_c + r * H;                                \
        for (ptrdiff_t j = 0; j < H; j++) {                                   \
            const T i = (T)0.5 * TANH(gr[j] + sr[j]) + (T)0.5;                \
            const T f = (T)0.5 * TANH(gr[H + j] + sr[H + j]) + (T)0.5;        \
            const T u = TANH(gr[2 * H + j] + sr[2 * H + j]);                  \
            const T o = (T)0.5 * TANH(gr[3 * H + j] + sr[3 * H + j]) + (T)0.5;\
            const T cc = cr[j] * f + i * u;                                   \
            const T t = TANH(cc);                                             \
            gr[j] = i; gr[H + j] = f; gr[2 * H + j] = u; gr[3 * H + j] = o;   \
            cr[j] = cc; tr[j] = t;                                            \
            hor[j] = o * t; hr[j] = o * t;                                    \
        }                                                                     \
    }                                                                         \
}

/* g (n, 4H): activations i f g o on entry, d(pre-activations) on exit.
   dh (+ dh_out): gradient of h_t; dc: of c_t on entry, of c_{t-1} on exit. */
#define SKRNN_LSTM_BACKWARD(T, SUF)                                           \
SKRNN_CLONES static void lstm_backward_##SUF(                                 \
    T *SKRNN_RESTRICT g, T *SKRNN_RESTRICT dh, const T *SKRNN_RESTRICT dh_out,\
    T *SKRNN_RESTRICT dc, const T *SKRNN_RESTRICT tanh_c,                     \
    const T *SKRNN_RESTRICT c_prev, ptrdiff_t n, ptrdiff_t H)                 \
{                                                                             \
    if (dh_out) for (ptrdiff_t k = 0; k < n * H; k++) dh[k] += dh_out[k];     \
    for (ptrdiff_t r = 0; r < n; r++) {                                       \
        T *SKRNN_RESTRICT gr = g + r * 4 * H;                                 \
        const T *SKRNN_RESTRICT dhr = dh + r * H;                             \
        T *SKRNN_RESTRICT dcr = dc + r * H;                                   \
        const T *SKRNN_RESTRICT tr = tanh_c + r * H;                          \
        const T *SKRNN_RESTRICT cpr = c_prev + r * H;                         \
        for (ptrdiff_t j = 0; j < H; j++) {                                   \
            const T i = gr[j], f = gr[H + j], u = gr[2 * H + j];              \
            const T o = gr[3 * H + j], t = tr[j], d = dhr[j];                 \
            const T dcc = dcr[j] + d * o * (1 - t * t);                       \
            gr[j] = dcc * u * (i - i * i);                                    \
            gr[H + j] = dcc * cpr[j] * (f - f * f);                           \
            gr[2 * H + j] = dcc * i * (1 - u * u);                            \
            gr[3 * H + j] = d * t * (o - o * o);                              \
            dcr[j] = dcc * f;                                                 \
        }                                                                     \
    }                                                                         \
}

/* --- GRU ------------------------------------------------------------------ */

/* Gates r z n in column blocks of g (n, 3H): the input projection (with
   b_xh) on entry, activations on exit. gh (n, 3H): h_{t-1} @ W_hh without
   its bias; b_hh (3H). gh_n (n, H) <- h_{t-1} @ W_hn + b_hn (the cache's
   rows, or scratch). h_out, h <- n + z (h_{t-1} - n). */
#define SKRNN_GRU_FORWARD(T, SUF, TANH)                                       \
SKRNN_CLONES static void gru_forward_##SUF(                                   \
    T *SKRNN_RESTRICT g, const T *SKRNN_RESTRICT gh,                          \
    const T *SKRNN_RESTRICT b_hh, T *SKRNN_RESTRICT h,                        \
    T *SKRNN_RESTRICT h_out, T *SKRNN_RESTRICT gh_n,                          \
    T *SKRNN_RESTRICT h_prev, ptrdiff_t n, ptrdiff_t H)                       \
{                                                                             \
    if (h_prev) memcpy(h_prev, h, (size_t)(n * H) * sizeof(T));               \
    for (ptrdiff_t r = 0; r < n; r++) {                                       \
        T *SKRNN_RESTRICT gr = g + r * 3 * H;                                 \
        const T *SKRNN_RESTRICT ghr = gh + r * 3 * H;                         \
        T *SKRNN_RESTRICT hr = h + r * H;                                     \
        T *SKRNN_RESTRICT hor = h_out + r * H;                                \
        T *SKRNN_RESTRICT nr = gh_n + r * H;                                  \
        for (ptrdiff_t j = 0; j < H; j++) {                                   \
            const T rr = (T)0.5 * TANH(gr[j] + (ghr[j] + b_hh[j])) + (T)0.5;  \
            const T z = (T)0.5 * TANH(gr[H + j] + (ghr[H + j] + b_hh[H + j]))\
                + (T)0.5;                                                     \
            const T hn = ghr[2 * H + j] + b_hh[2 * H + j];                    \
            const T u = TANH(gr[2 * H + j] + hn * rr);                        \
            const T y = u + (hr[j] - u) * z;                                  \
            gr[j] = rr; gr[H + j] = z; gr[2 * H + j] = u;                     \
            nr[j] = hn; hor[j] = y; hr[j] = y;                                \
        }                                                                     \
    }                                                                         \
}

/* g (n, 3H): activations r z n on entry, d(input pre-activations)
   [dr, dz, dn] on exit; d_rec (n, 3H) <- d(recurrent pre-activations)
   [dr, dz, dn * r]. dh (+ dh_out): gradient of h_t on entry, its direct
   part dh * z on exit (the caller adds d_rec @ W_hh.T). */
#define SKRNN_GRU_BACKWARD(T, SUF)                                            \
SKRNN_CLONES static void gru_backward_##SUF(                                  \
    T *SKRNN_RESTRICT g, T *SKRNN_RESTRICT d_rec, T *SKRNN_RESTRICT dh,       \
    const T *SKRNN_RESTRICT dh_out, const T *SKRNN_RESTRICT h_prev,           \
    const T *SKRNN_RESTRICT gh_n, ptrdiff_t n, ptrdiff_t H)                   \
{                                                                             \
    if (dh_out) for (ptrdiff_t k = 0; k < n * H; k++) dh[k] += dh_out[k];     \
    for (ptrdiff_t r = 0; r < n; r++) {                                       \
        T *SKRNN_RESTRICT gr = g + r * 3 * H;                                 \
        T *SKRNN_RESTRICT dr = d_rec + r * 3 * H;                             \
        T *SKRNN_RESTRICT dhr = dh + r * H;                                   \
        const T *SKRNN_RESTRICT hpr = h_prev + r * H;                         \
        const T *SKRNN_RESTRICT nr = gh_n + r * H;                            \
        for (ptrdiff_t j = 0; j < H; j++) {                                   \
            const T rr = gr[j], z = gr[H + j], u = gr[2 * H + j];             \
            const T d = dhr[j];                                               \
            const T dz = (hpr[j] - u) * d * (z - z * z);                      \
            const T dn = (1 - z) * d * (1 - u * u);                           \
            const T drr = (rr - rr * rr) * dn * nr[j];                        \
            gr[j] = drr; gr[H + j] = dz; gr[2 * H + j] = dn;                  \
            dr[j] = drr; dr[H + j] = dz; dr[2 * H + j] = dn * rr;             \
            dhr[j] = d * z;                                                   \
        }                                                                     \
    }                                                                         \
}

/* --- softmax cross-entropy (the head's loss) ------------------------------ */

/* The sum of a row in four independent accumulators, so that it is not one
   chain of dependent additions (the compiler may not reorder a
   floating-point sum itself). */
#define SKRNN_ROW_SUM(T, SUF)                                                 \
static inline T skrnn_row_sum_##SUF(const T *SKRNN_RESTRICT z, ptrdiff_t C)   \
{                                                                             \
    T s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                         \
    ptrdiff_t j = 0;                                                          \
    for (; j + 4 <= C; j += 4) {                                              \
        s0 += z[j]; s1 += z[j + 1]; s2 += z[j + 2]; s3 += z[j + 3];           \
    }                                                                         \
    for (; j < C; j++) s0 += z[j];                                            \
    return (s0 + s1) + (s2 + s3);                                             \
}

/* The max of a row, likewise in four chains. A NaN is not picked (every
   comparison with it is false), but it makes the row's sum NaN. */
#define SKRNN_ROW_MAX(T, SUF)                                                 \
static inline T skrnn_row_max_##SUF(const T *SKRNN_RESTRICT z, ptrdiff_t C)   \
{                                                                             \
    T m0 = z[0], m1 = z[0], m2 = z[0], m3 = z[0];                             \
    ptrdiff_t j = 0;                                                          \
    for (; j + 4 <= C; j += 4) {                                              \
        m0 = z[j] > m0 ? z[j] : m0;                                           \
        m1 = z[j + 1] > m1 ? z[j + 1] : m1;                                   \
        m2 = z[j + 2] > m2 ? z[j + 2] : m2;                                   \
        m3 = z[j + 3] > m3 ? z[j + 3] : m3;                                   \
    }                                                                         \
    for (; j < C; j++) m0 = z[j] > m0 ? z[j] : m0;                            \
    m0 = m1 > m0 ? m1 : m0;                                                   \
    m2 = m3 > m2 ? m3 : m2;                                                   \
    return m2 > m0 ? m2 : m0;                                                 \
}

SKRNN_ROW_SUM(float, f32)
SKRNN_ROW_SUM(double, f64)
SKRNN_ROW_MAX(float, f32)
SKRNN_ROW_MAX(double, f64)

/* Rows of logits z (n, C), overwritten by the gradient
   (softmax(z) - onehot(y)) * w / normalizer; returns the sum of
   w * -log(softmax(z)[y]) over the rows, in double (w = 1 without weights).
   The max, exp and the sum are three passes over the row (exp
   vectorised). A NaN logit makes the row's sum, so the loss, NaN. */
#define SKRNN_SOFTMAX_XENT(T, SUF, EXP, LOG, TINY)                            \
SKRNN_CLONES static double softmax_xent_##SUF(                                \
    T *SKRNN_RESTRICT z, const long long *SKRNN_RESTRICT y,                   \
    const T *SKRNN_RESTRICT w, double normalizer, ptrdiff_t n, ptrdiff_t C)  \
{                                                                             \
    double total = 0.0;                                                       \
    const T unweighted = (T)(1.0 / normalizer);                               \
    for (ptrdiff_t r = 0; r < n; r++) {                                       \
        T *SKRNN_RESTRICT zr = z + r * C;                                     \
        const T m = skrnn_row_max_##SUF(zr, C);                               \
        for (ptrdiff_t j = 0; j < C; j++) zr[j] = EXP(zr[j] - m);             \
        const T s = skrnn_row_sum_##SUF(zr, C);                               \
        T picked = zr[y[r]] / s;                                              \
        picked = picked < TINY ? TINY : picked; /* NaN stays NaN */           \
        const T nll = -LOG(picked);                                           \
        const T coef = w ? w[r] / (T)normalizer : unweighted;                 \
        for (ptrdiff_t j = 0; j < C; j++) zr[j] = zr[j] / s * coef;           \
        zr[y[r]] -= coef;                                                     \
        total += (w ? (double)w[r] : 1.0) * (double)nll;                      \
    }                                                                         \
    return total;                                                             \
}

/* --- sampling ---------------------------------------------------------- */

/* One token per row of logits z (n, V), as skrnn._engine.sampling draws it
   (temperature > 0, no top-k or top-p), in float64 whatever T: p = exp((z -
   max z) / temperature), cdf its running sum, and the token is the number
   of cdf entries <= u[r] * cdf[V - 1], capped at the last token of nonzero
   probability (V - 1 if none). NumPy's path normalises p first; the choice
   is the same but for rounding. `p` is scratch of V doubles. NaN logits
   give NaN probabilities and token 0, as NumPy's path does. */
#define SKRNN_SAMPLE(T, SUF)                                                  \
SKRNN_CLONES static void sample_##SUF(                                        \
    const T *SKRNN_RESTRICT z, double temperature,                            \
    const double *SKRNN_RESTRICT u, ptrdiff_t *SKRNN_RESTRICT out,            \
    double *SKRNN_RESTRICT p, ptrdiff_t n, ptrdiff_t V)                       \
{                                                                             \
    for (ptrdiff_t r = 0; r < n; r++) {                                       \
        const T *SKRNN_RESTRICT zr = z + r * V;                               \
        double m = (double)zr[0];                                             \
        int nan = 0;                                                          \
        for (ptrdiff_t j = 0; j < V; j++) {                                   \
            const double x = (double)zr[j];                                   \
            nan |= x != x;                                                    \
            m = x > m ? x : m;                                                \
        }                                                                     \
        if (nan) m = NAN;                                                     \
        for (ptrdiff_t j = 0; j < V; j++)                                     \
            p[j] = skrnn_exp_neg(((double)zr[j] - m) / temperature);          \
        ptrdiff_t last = V - 1;                                               \
        for (ptrdiff_t j = V - 1; j >= 0; j--)                                \
            if (p[j] > 0) { last = j; break; }                                \
        for (ptrdiff_t j = 1; j < V; j++) p[j] += p[j - 1];   /* the cdf */   \
        const double target = u[r] * p[V - 1];                                \
        ptrdiff_t choice = 0;                                                 \
        for (ptrdiff_t j = 0; j < V; j++) choice += p[j] <= target;           \
        out[r] = choice < last ? choice : last;                               \
    }                                                                         \
}

/* --- Adam ----------------------------------------------------------------- */

/* One Adam update of n parameters p with gradient g and moments m, v: the
   operations of AdamOptimizer._apply (skrnn/_engine/optimizers.py), in its
   order and in T, one statement each, so that the result is bit-identical
   to the NumPy reference: no multiply-add is contracted into a fused one
   (GCC contracts across statements unless told not to; Clang only within
   one), and sqrt and the division are correctly rounded as NumPy's are.
   b1, c1 = 1 - beta_1, b2, c2 = 1 - beta_2, eps and neg_lr = -lr_t are the
   Python floats of the reference rounded to T, as NumPy rounds them. */
#if defined(__GNUC__) && !defined(__clang__)
#define SKRNN_NO_CONTRACT __attribute__((optimize("fp-contract=off")))
#else
#define SKRNN_NO_CONTRACT
#endif

#define SKRNN_ADAM(T, SUF, SQRT)                                              \
SKRNN_CLONES SKRNN_NO_CONTRACT static void adam_update_##SUF(                 \
    T *SKRNN_RESTRICT p, const T *SKRNN_RESTRICT g, T *SKRNN_RESTRICT m,      \
    T *SKRNN_RESTRICT v, ptrdiff_t n, T b1, T c1, T b2, T c2, T eps,          \
    T neg_lr)                                                                 \
{                                                                             \
    for (ptrdiff_t k = 0; k < n; k++) {                                       \
        const T gk = g[k];                                                    \
        T mk = m[k] * b1;                                                     \
        const T gm = gk * c1;                                                 \
        mk = mk + gm;                                                         \
        T vk = v[k] * b2;                                                     \
        T gv = gk * gk;                                                       \
        gv = gv * c2;                                                         \
        vk = vk + gv;                                                         \
        T d = SQRT(vk);                                                       \
        d = d + eps;                                                          \
        T u = mk * neg_lr;                                                    \
        u = u / d;                                                            \
        m[k] = mk;                                                            \
        v[k] = vk;                                                            \
        p[k] = p[k] + u;                                                      \
    }                                                                         \
}

#define SKRNN_KERNELS(T, SUF, TANH)                                           \
    SKRNN_RNN_FORWARD(T, SUF, TANH)                                           \
    SKRNN_RNN_BACKWARD(T, SUF)                                                \
    SKRNN_LSTM_FORWARD(T, SUF, TANH)                                          \
    SKRNN_LSTM_BACKWARD(T, SUF)                                               \
    SKRNN_GRU_FORWARD(T, SUF, TANH)                                           \
    SKRNN_GRU_BACKWARD(T, SUF)

SKRNN_KERNELS(float, f32, skrnn_tanhf)
SKRNN_KERNELS(double, f64, skrnn_tanhd)
SKRNN_SOFTMAX_XENT(float, f32, skrnn_expf_neg, logf, 1.17549435e-38f)
SKRNN_SOFTMAX_XENT(double, f64, skrnn_exp_neg, log, 2.2250738585072014e-308)
SKRNN_SAMPLE(float, f32)
SKRNN_SAMPLE(double, f64)
SKRNN_ADAM(float, f32, sqrtf)
SKRNN_ADAM(double, f64, sqrt)

#endif
