#ifndef GENREKIT_TRAINING_KERNELS_H
#define GENREKIT_TRAINING_KERNELS_H

#include <stddef.h>

// The elementwise passes of a training step, each the same operations in the same order as the
// plain loop it stands for (no fused multiply-add), so every CPU gives the same bits.

/// Adam's update of `count` parameters from their gradient, in place with the two moments:
///   m = β₁·m + (1 − β₁)·g;  v = β₂·v + ((1 − β₂)·g)·g;  p = p − (rate·m) / (√v + ε).
void genrekit_adam_f64(
    double *parameters, double *m, double *v, const double *gradient, size_t count, double beta1, double beta2, double epsilon,
    double rate);
void genrekit_adam_f32(
    float *parameters, float *m, float *v, const float *gradient, size_t count, float beta1, float beta2, float epsilon, float rate);

/// sums[c] += Σ over r, in order from 0, of p[r·columns + c]: a gradient's column sums.
void genrekit_add_column_sums_f64(const double *p, size_t rows, size_t columns, double *sums);
void genrekit_add_column_sums_f32(const float *p, size_t rows, size_t columns, float *sums);

#endif
