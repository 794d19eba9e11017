// Predictions of the linear models and the MLP, and each logistic-regression training step, are
// row-by-row products of a few dozen columns by a small matrix: too narrow for BLAS to pay off,
// and BLAS would round a row by its place among the rows. This kernel takes one row at a time
// and eight output columns per vector (the weights copied into rows padded to a multiple of
// eight), so the vector width never changes what is summed in what order. In C because Swift
// cannot compile one function for AVX-512 or AVX2 and choose it on the CPU at run time;
// `target_clones` builds those versions and a baseline one and picks at load time. Every
// softmax (these predictions, training steps, the networks') is here too, with glibc's exp
// eight values at a time, and the MLP's training batches gather their rows here, with
// prefetches Swift has no way to ask for.

#include "affine_kernels.h"

#include <math.h>
#include <string.h>

#include "exp_table.h"

#pragma STDC FP_CONTRACT OFF

#define LANES 8

typedef double f64x8 __attribute__((vector_size(64), aligned(8)));
typedef int64_t i64x8 __attribute__((vector_size(64), aligned(8)));
typedef uint64_t u64x8 __attribute__((vector_size(64), aligned(8)));

#define MULTIVERSIONED __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

static size_t padded(size_t outputs) { return (outputs + LANES - 1) / LANES * LANES; }

// exp(x) of eight lanes, to the bit glibc's exp (2.28 and later) as it runs where it picks its
// FMA build (CPUs with AVX2 and FMA): x = k·ln2/128 + r, exp(x) = 2^(k/128)·exp(r) with 2^(k/128)
// from the table and exp(r) − 1 a polynomial, the same fused multiply-adds in the same order. The
// softmax of every prediction and training step calls exp, one value at a time in libm; here
// eight go at once. Lanes with |x| < 2⁻⁵⁴ are 1 + x, as in glibc; |x| ≥ 512, infinities and NaN
// (rare: softmax arguments are at most 0) go to libm's exp itself.
static inline __attribute__((always_inline)) void exp8(const f64x8 *x_in, f64x8 *out) {
  const f64x8 x = *x_in;
  const double inv_ln2_n = 0x1.71547652b82fep7, neg_ln2_hi_n = -0x1.62e42fefa0000p-8, neg_ln2_lo_n = -0x1.cf79abc9e3b3ap-47;
  const double c2 = 0x1.ffffffffffdbdp-2, c3 = 0x1.555555555543cp-3, c4 = 0x1.55555cf172b91p-5, c5 = 0x1.1111167a4d017p-7;
  const double shift = 0x1.8p52;
  const i64x8 top12 = ((i64x8)x >> 52) & 0x7ff;
  f64x8 k = __builtin_elementwise_fma(x, (f64x8){0} + inv_ln2_n, (f64x8){0} + shift);
  const u64x8 ki = (u64x8)k;
  k -= shift;
  f64x8 r = __builtin_elementwise_fma(k, (f64x8){0} + neg_ln2_hi_n, x);
  r = __builtin_elementwise_fma(k, (f64x8){0} + neg_ln2_lo_n, r);
  f64x8 tail;
  u64x8 scale_bits;
  for (int lane = 0; lane < LANES; lane++) {
    const size_t i = 2 * (size_t)(ki[lane] % 128);
    tail[lane] = ((const double *)exp_table)[i];
    scale_bits[lane] = exp_table[i + 1] + (ki[lane] << 45);
  }
  const f64x8 r2 = r * r;
  f64x8 p = __builtin_elementwise_fma(r2, __builtin_elementwise_fma(r, (f64x8){0} + c3, (f64x8){0} + c2), r + tail);
  p = __builtin_elementwise_fma(r2 * r2, __builtin_elementwise_fma(r, (f64x8){0} + c5, (f64x8){0} + c4), p);
  const f64x8 scale = (f64x8)scale_bits;
  const f64x8 result = __builtin_elementwise_fma(scale, p, scale);
  // Selected, not branched on: the 0 of a softmax row's maximum is in a lane of its own.
  const i64x8 small = top12 < 0x3c9, large = top12 >= 0x408;
  *out = (f64x8)(((i64x8)(1.0 + x) & small) | ((i64x8)result & ~small));
  if (__builtin_reduce_or(large))
    for (int lane = 0; lane < LANES; lane++)
      if (large[lane]) (*out)[lane] = exp(x[lane]);
}

// Rows' softmax as Swift's `softmaxRows` computed it, row by row: the maximum (NaN never taken),
// exp(v − maximum) for each value, their sum in column order, each value divided by it. Eight
// rows go side by side, one per lane, so that each of those steps is one vector operation per
// column instead of a chain of dependent scalar ones per row.
static inline __attribute__((always_inline)) void softmax_rows(double *values, size_t rows, size_t columns) {
  for (size_t r0 = 0; r0 < rows; r0 += LANES) {
    // Lanes past the last row read zeros and are not written.
    const size_t lanes = rows - r0 < LANES ? rows - r0 : LANES;
    double *block = values + r0 * columns;
#define COLUMN(c, v)                                                                   \
  f64x8 v = {0};                                                                       \
  for (size_t lane = 0; lane < lanes; lane++) v[lane] = block[lane * columns + (c)]
#define SET_COLUMN(c, v) \
  for (size_t lane = 0; lane < lanes; lane++) block[lane * columns + (c)] = (v)[lane]
    f64x8 peak = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY}, total = {0};
    for (size_t c = 0; c < columns; c++) {
      COLUMN(c, v);
      peak = (f64x8)(((i64x8)v & (v >= peak)) | ((i64x8)peak & ~(v >= peak)));
    }
    for (size_t c = 0; c < columns; c++) {
      COLUMN(c, v);
      v -= peak;
      f64x8 e;
      exp8(&v, &e);
      SET_COLUMN(c, e);
      total += e;
    }
    for (size_t c = 0; c < columns; c++) {
      COLUMN(c, v);
      v /= total;
      SET_COLUMN(c, v);
    }
#undef COLUMN
#undef SET_COLUMN
  }
}

MULTIVERSIONED
void genrekit_softmax_rows(double *values, size_t rows, size_t columns) { softmax_rows(values, rows, columns); }

MULTIVERSIONED
void genrekit_exp(const double *x, size_t count, double *out) {
  for (size_t i = 0; i < count; i += LANES) {
    const size_t lanes = count - i < LANES ? count - i : LANES;
    f64x8 v = {0}, e;
    for (size_t lane = 0; lane < lanes; lane++) v[lane] = x[i + lane];
    exp8(&v, &e);
    for (size_t lane = 0; lane < lanes; lane++) out[i + lane] = e[lane];
  }
}

size_t genrekit_affine_rows_scratch(size_t inputs, size_t outputs) { return (inputs + 1) * padded(outputs); }

MULTIVERSIONED
void genrekit_affine_rows(
    const double *x, size_t rows, size_t inputs, const double *w, const double *bias, size_t outputs,
    genrekit_affine_activation activation, double *scratch, double *out) {
  const size_t width = padded(outputs);
  // The weights with rows of `width` (zeros after `outputs`), then one row's results.
  double *weights = scratch, *row = scratch + inputs * width;
  for (size_t i = 0; i < inputs; i++) {
    memcpy(weights + i * width, w + i * outputs, outputs * sizeof(double));
    memset(weights + i * width + outputs, 0, (width - outputs) * sizeof(double));
  }
  for (size_t r = 0; r < rows; r++) {
    const double *input = x + r * inputs;
    for (size_t c = 0; c < width; c += LANES) {
      f64x8 sum = {0};
      for (size_t i = 0; i < inputs; i++) sum += input[i] * *(const f64x8 *)(weights + i * width + c);
      *(f64x8 *)(row + c) = sum;
    }
    if (bias)
      for (size_t c = 0; c < outputs; c++) row[c] += bias[c];
    if (activation == GENREKIT_AFFINE_RELU)
      for (size_t c = 0; c < outputs; c++) row[c] = row[c] >= 0 ? row[c] : 0;
    memcpy(out + r * outputs, row, outputs * sizeof(double));
  }
  if (activation == GENREKIT_AFFINE_SOFTMAX) softmax_rows(out, rows, outputs);
}

void genrekit_gather_rows(const double *x, size_t columns, const long *rows, size_t count, double *out) {
  // Eight rows ahead covers a cache miss's latency at a row's copy time; a row of up to 64
  // columns spans up to nine cache lines, the first and last of them prefetched.
  const size_t ahead = 8;
  for (size_t r = 0; r < count; r++) {
    if (r + ahead < count) {
      const double *next = x + rows[r + ahead] * columns;
      __builtin_prefetch(next);
      __builtin_prefetch(next + columns - 1);
    }
    // Whole vectors, the last one ending at the row's end (a dozen columns: a call of memcpy
    // per row took as long as the copy).
    const double *from = x + rows[r] * columns;
    double *to = out + r * columns;
    if (columns < LANES) {
      for (size_t c = 0; c < columns; c++) to[c] = from[c];
      continue;
    }
    for (size_t c = 0; c + LANES <= columns; c += LANES) *(f64x8 *)(to + c) = *(const f64x8 *)(from + c);
    *(f64x8 *)(to + columns - LANES) = *(const f64x8 *)(from + columns - LANES);
  }
}
