/* SPDX-License-Identifier: BSD-3-Clause
   The pointwise part of an LSTM step in C, with restrict pointers and an
   `omp simd` inner loop: rows 0..n-1 of a step; xw (n, 4H) the input
   projection, overwritten by the gate activations; s (n, 4H) the recurrent
   product; c (n, H) the cell state, in and out; h (n, H) the state out;
   hout and tc the step's rows of h_out and tanh(c). Two versions of the
   transcendental functions: libm's (vectorised by glibc's libmvec only under
   -ffast-math with a vector ISA) and a rational tanh. */
#include <math.h>

static inline float sigm_libm(float x) { return 1.0f / (1.0f + expf(-x)); }

/* tanh by Eigen's rational approximation (float accuracy, a few ulp), plain
   arithmetic that the compiler vectorises for any instruction set. */
static inline float tanh_fast(float x)
{
    const float lim = 7.90531110763549805f;
    x = x > lim ? lim : (x < -lim ? -lim : x);
    float x2 = x * x;
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
    return p / q;
}

static inline float sigm_fast(float x) { return 0.5f * tanh_fast(0.5f * x) + 0.5f; }

#define LSTM_POINTWISE(NAME, SIGM, TANH)                                        \
static void NAME(float *restrict xw, const float *restrict s,                  \
                 float *restrict c, float *restrict h, float *restrict hout,   \
                 float *restrict tc, int n, int H, int threads)                \
{                                                                              \
    _Pragma("omp parallel for num_threads(threads) schedule(static) if(threads > 1)") \
    for (int r = 0; r < n; r++) {                                              \
        float *restrict x = xw + (long)r * 4 * H;                              \
        const float *restrict sr = s + (long)r * 4 * H;                        \
        float *restrict cr = c + (long)r * H;                                  \
        float *restrict hr = h + (long)r * H;                                  \
        float *restrict ho = hout + (long)r * H;                               \
        float *restrict t = tc + (long)r * H;                                  \
        _Pragma("omp simd")                                                    \
        for (int j = 0; j < H; j++) {                                          \
            float gi = SIGM(x[j] + sr[j]);                                     \
            float gf = SIGM(x[H + j] + sr[H + j]);                             \
            float gg = TANH(x[2 * H + j] + sr[2 * H + j]);                     \
            float go = SIGM(x[3 * H + j] + sr[3 * H + j]);                     \
            float cc = gf * cr[j] + gi * gg;                                   \
            float tcc = TANH(cc);                                              \
            cr[j] = cc; t[j] = tcc;                                            \
            x[j] = gi; x[H + j] = gf; x[2 * H + j] = gg; x[3 * H + j] = go;    \
            hr[j] = go * tcc; ho[j] = go * tcc;                                \
        }                                                                      \
    }                                                                          \
}

LSTM_POINTWISE(lstm_pointwise_c, sigm_libm, tanhf)
LSTM_POINTWISE(lstm_pointwise_fast, sigm_fast, tanh_fast)
