#ifndef GENREKIT_AFFINE_KERNELS_H
#define GENREKIT_AFFINE_KERNELS_H

#include <stddef.h>

/// What `genrekit_affine_rows` applies to each row after the bias.
typedef enum {
  GENREKIT_AFFINE_LINEAR = 0,
  /// v >= 0 ? v : 0 (Swift's max(0, v): NaN becomes 0).
  GENREKIT_AFFINE_RELU = 1,
  /// exp(v − the row's maximum), divided by the row's sum of those (summed in column order).
  GENREKIT_AFFINE_SOFTMAX = 2,
} genrekit_affine_activation;

/// Doubles of scratch space `genrekit_affine_rows` needs.
size_t genrekit_affine_rows_scratch(size_t inputs, size_t outputs);

/// out[r][c] = activation((Σ over i, in order from 0, of x[r·inputs + i] · w[i·outputs + c]) + bias[c])
/// for `rows` rows (row-major, `outputs` columns), each product rounded before it is added (no fused
/// multiply-add) and `bias` skipped when NULL: the same bits on every CPU, and each row's result
/// independent of the other rows.
void genrekit_affine_rows(
    const double *x, size_t rows, size_t inputs, const double *w, const double *bias, size_t outputs,
    genrekit_affine_activation activation, double *scratch, double *out);

/// Each of `rows` rows of `columns` values becomes its softmax: exp(v − the row's maximum), divided
/// by the sum of those in column order. exp is glibc's (2.28 and later, its FMA build) to the bit,
/// eight values at a time.
void genrekit_softmax_rows(double *values, size_t rows, size_t columns);

/// out[i] = exp(x[i]) for `count` values, as `genrekit_softmax_rows` computes it.
void genrekit_exp(const double *x, size_t count, double *out);

/// Copies rows `rows[0..<count]` of `x` (`columns` values each) into `out`, one after another,
/// fetching a few rows ahead: a training batch's rows, drawn at random from a table larger
/// than the cache, are otherwise read one cache miss at a time.
void genrekit_gather_rows(const double *x, size_t columns, const long *rows, size_t count, double *out);

#endif
