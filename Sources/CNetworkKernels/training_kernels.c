// A training step's elementwise passes: Adam and the bias gradients' column sums. Swift compiles
// them for its baseline (two doubles per SSE2 instruction); here `target_clones` builds AVX-512,
// AVX2 and baseline versions and picks one at load time. Each value goes through the same
// operations in the same order as in the plain loops (no contraction into fused multiply-adds),
// and a sum's terms are added in their order, so the vector width changes nothing but the speed.

#include "training_kernels.h"

#pragma STDC FP_CONTRACT OFF

typedef double f64x8 __attribute__((vector_size(64), aligned(8)));
typedef float f32x16 __attribute__((vector_size(64), aligned(4)));

#define MULTIVERSIONED __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
// Macros, not functions: a wide vector argument to a function built without AVX changes the ABI.
#define LOAD(type, p) (*(const type *)(p))
#define STORE(type, p, value) (*(type *)(p) = (value))

// One Adam step for `count` values of one type, a vector of `lanes` at a time, then one at a time.
#define ADAM(vector, lanes)                                                             \
  do {                                                                                  \
    const __typeof__(beta1) keep1 = 1 - beta1, keep2 = 1 - beta2;                       \
    size_t i = 0;                                                                       \
    for (; i + (lanes) <= count; i += (lanes)) {                                        \
      const vector g = LOAD(vector, gradient + i);                                      \
      const vector mi = beta1 * LOAD(vector, m + i) + keep1 * g;                        \
      const vector vi = beta2 * LOAD(vector, v + i) + keep2 * g * g;                    \
      STORE(vector, m + i, mi);                                                         \
      STORE(vector, v + i, vi);                                                         \
      const vector step = rate * mi / (__builtin_elementwise_sqrt(vi) + epsilon);       \
      STORE(vector, parameters + i, LOAD(vector, parameters + i) - step);               \
    }                                                                                   \
    for (; i < count; i++) {                                                            \
      m[i] = beta1 * m[i] + keep1 * gradient[i];                                        \
      v[i] = beta2 * v[i] + keep2 * gradient[i] * gradient[i];                          \
      parameters[i] -= rate * m[i] / (__builtin_elementwise_sqrt(v[i]) + epsilon);      \
    }                                                                                   \
  } while (0)

MULTIVERSIONED
void genrekit_adam_f64(
    double *parameters, double *m, double *v, const double *gradient, size_t count, double beta1, double beta2, double epsilon,
    double rate) {
  ADAM(f64x8, 8);
}

MULTIVERSIONED
void genrekit_adam_f32(
    float *parameters, float *m, float *v, const float *gradient, size_t count, float beta1, float beta2, float epsilon, float rate) {
  ADAM(f32x16, 16);
}

// Each column's sum is one chain of dependent additions, so up to eight vectors of columns go
// down the rows side by side; the last columns (fewer than a vector) ride in one vector's lanes.
#define COLUMN_SUMS(vector, lanes)                                                           \
  do {                                                                                       \
    enum { BLOCK = 8 };                                                                      \
    size_t c = 0;                                                                            \
    while (c + (lanes) <= columns) {                                                         \
      const size_t whole = (columns - c) / (lanes), width = whole < BLOCK ? whole : BLOCK;   \
      vector sum[BLOCK];                                                                     \
      for (size_t b = 0; b < width; b++) sum[b] = LOAD(vector, sums + c + b * (lanes));      \
      for (size_t r = 0; r < rows; r++)                                                      \
        for (size_t b = 0; b < width; b++) sum[b] += LOAD(vector, p + r * columns + c + b * (lanes)); \
      for (size_t b = 0; b < width; b++) STORE(vector, sums + c + b * (lanes), sum[b]);      \
      c += width * (lanes);                                                                  \
    }                                                                                        \
    const size_t rest = columns - c;                                                         \
    if (rest == 0) return;                                                                   \
    vector sum = {0};                                                                        \
    for (size_t k = 0; k < rest; k++) sum[k] = sums[c + k];                                  \
    for (size_t r = 0; r < rows; r++) {                                                      \
      vector row = {0};                                                                      \
      for (size_t k = 0; k < rest; k++) row[k] = p[r * columns + c + k];                     \
      sum += row;                                                                            \
    }                                                                                        \
    for (size_t k = 0; k < rest; k++) sums[c + k] = sum[k];                                  \
  } while (0)

MULTIVERSIONED
void genrekit_add_column_sums_f64(const double *p, size_t rows, size_t columns, double *sums) { COLUMN_SUMS(f64x8, 8); }

MULTIVERSIONED
void genrekit_add_column_sums_f32(const float *p, size_t rows, size_t columns, float *sums) { COLUMN_SUMS(f32x16, 16); }
