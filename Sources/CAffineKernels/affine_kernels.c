// Predictions of the linear models and the MLP, and each logistic-regression training step, are
// row-by-row products of a few dozen columns by a small matrix: too narrow for BLAS to pay off,
// and BLAS would round a row by its place among the rows. This kernel takes one row at a time
// and eight output columns per vector (the weights copied into rows padded to a multiple of
// eight), so the vector width never changes what is summed in what order. In C because Swift
// cannot compile one function for AVX-512 or AVX2 and choose it on the CPU at run time;
// `target_clones` builds those versions and a baseline one and picks at load time. The MLP's
// training batches gather their rows here too, with prefetches Swift has no way to ask for.

#include "affine_kernels.h"

#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define LANES 8

typedef double f64x8 __attribute__((vector_size(64), aligned(8)));

static size_t padded(size_t outputs) { return (outputs + LANES - 1) / LANES * LANES; }

size_t genrekit_affine_rows_scratch(size_t inputs, size_t outputs) { return (inputs + 1) * padded(outputs); }

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
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
    if (activation == GENREKIT_AFFINE_RELU) {
      for (size_t c = 0; c < outputs; c++) row[c] = row[c] >= 0 ? row[c] : 0;
    } else if (activation == GENREKIT_AFFINE_SOFTMAX) {
      double peak = -INFINITY, total = 0;
      for (size_t c = 0; c < outputs; c++) peak = row[c] >= peak ? row[c] : peak;
      for (size_t c = 0; c < outputs; c++) {
        row[c] = exp(row[c] - peak);
        total += row[c];
      }
      for (size_t c = 0; c < outputs; c++) row[c] /= total;
    }
    memcpy(out + r * outputs, row, outputs * sizeof(double));
  }
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
    memcpy(out + r * columns, x + rows[r] * columns, columns * sizeof(double));
  }
}
