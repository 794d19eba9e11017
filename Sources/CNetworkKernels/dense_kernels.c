// The MLP's batch products, without BLAS. They are small (200 rows by a dozen inputs and a
// hundred units for the default network on the Spotify export): every bias, ReLU, derivative and
// column sum after a BLAS product was one more pass over the batch, and BLAS's own zeroing and
// packing another. Here a block of rows × vectors of columns is summed in registers and
// finished (bias, activation, derivative, penalty, column sums) before it is stored. Each product
// is one fused multiply-add per term in the order of the inner dimension from zero, as OpenBLAS's
// AVX2 and AVX-512 kernels sum most such products (all of the Spotify network's), and the same on
// every CPU. `target_clones` builds AVX-512, AVX2 and baseline versions (the baseline's fused
// multiply-add is libm's `fma`: slow, but the same bits) and picks one at load time; the blocks
// are sized for the registers of the CPU that runs.

#include "dense_kernels.h"

#include <stdint.h>
#include <string.h>

// Only the explicit fused multiply-adds fuse.
#pragma STDC FP_CONTRACT OFF
// Blocks are unrolled for their sizes; clang reports the instantiations it keeps as loops.
#pragma clang diagnostic ignored "-Wpass-failed"

#define LANES 8
typedef double f64x8 __attribute__((vector_size(64), aligned(8)));
typedef int64_t i64x8 __attribute__((vector_size(64), aligned(8)));

#define MULTIVERSIONED __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("clang loop unroll(full)")
// Macros, not functions: a wide vector argument to a function built without AVX changes the ABI.
#define LOAD(p) (*(const f64x8 *)(p))
#define SPLAT(x) ((f64x8){x, x, x, x, x, x, x, x})
#define FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#define SELECT(mask, yes, no) ((f64x8)(((i64x8)(yes) & (mask)) | ((i64x8)(no) & ~(mask))))
// The first `count` lanes of `value` to p[0..<count] (all eight when count >= 8).
#define STORE_LANES(p, value, count)                                                 \
  do {                                                                               \
    if ((count) >= LANES) *(f64x8 *)(p) = (value);                                   \
    else                                                                             \
      for (size_t lane_ = 0; lane_ < (count); lane_++) (p)[lane_] = (value)[lane_]; \
  } while (0)

static size_t vectors_of(size_t n) { return (n + LANES - 1) / LANES; }

/// Whether the CPU has 32 vector registers of eight doubles (AVX-512) rather than AVX2's 16 of
/// four: the blocks are sized for those.
static int wide_registers(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

size_t genrekit_dense_scratch(size_t inputs, size_t outputs) {
  // The weights with rows padded to whole vectors and the bias after them (forward, weight
  // gradient), or their transpose and the column sums (input gradient).
  const size_t padded = (inputs + 1) * vectors_of(outputs) * LANES;
  const size_t transposed = (outputs + 1) * vectors_of(inputs) * LANES;
  return padded > transposed ? padded : transposed;
}

// Both copies below run at every step on small matrices (a hundred rows of six), where a call
// of memcpy or memset per row would cost more than the copy: plain loops instead.

/// rows × columns of `m` into rows of `width` doubles, zeros after the columns.
static void pad_rows(const double *m, size_t rows, size_t columns, size_t width, double *out) {
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < width; c++) out[r * width + c] = c < columns ? m[r * columns + c] : 0;
}

/// The transpose of rows × columns `m` (columns × rows) into rows of `width` doubles, zeros after.
static void transpose_padded(const double *m, size_t rows, size_t columns, size_t width, double *out) {
  for (size_t c = 0; c < columns; c++)
    for (size_t r = 0; r < width; r++) out[c * width + r] = r < rows ? m[r * columns + c] : 0;
}

// MARK: Blocks

// A block is R rows (or inputs) × V vectors of sums. A fused multiply-add takes 4 cycles and up
// to two start per cycle, so a block keeps 8 or more independent sums going, and no more than the
// registers hold beside the vectors it loads: 32 registers of eight doubles with AVX-512 (24
// sums), 16 of four with AVX2, where a vector of eight doubles takes two (4 sums, 8 registers).
#define SUMS(wide) ((wide) ? 24 : 4)
#define MAX_BLOCK_ROWS 12
#define MAX_BLOCK_VECTORS 6
#define BLOCK_ROWS(V, wide) (SUMS(wide) / (V) > MAX_BLOCK_ROWS ? MAX_BLOCK_ROWS : SUMS(wide) / (V))

// Calls BLOCK(V) with the constant V = vectors (1 … MAX_BLOCK_VECTORS).
#define WITH_CONSTANT_VECTORS(vectors, BLOCK) \
  switch (vectors) {                          \
    case 1: BLOCK(1); break;                  \
    case 2: BLOCK(2); break;                  \
    case 3: BLOCK(3); break;                  \
    case 4: BLOCK(4); break;                  \
    case 5: BLOCK(5); break;                  \
    default: BLOCK(6); break;                 \
  }

// Runs BLOCK(V) over the `vectors` vectors of columns in blocks of at most `max_vectors`, as even
// as possible (13 vectors by 6: 5, 4, 4, not 6, 6, 1), with `column` the block's first column.
#define FOR_EACH_COLUMN_BLOCK(vectors, max_vectors, BLOCK)                                          \
  do {                                                                                              \
    const size_t blocks_ = ((vectors) + (max_vectors) - 1) / (max_vectors);                         \
    for (size_t b_ = 0; b_ < blocks_; b_++) {                                                       \
      const size_t v0_ = (vectors) * b_ / blocks_, count_ = (vectors) * (b_ + 1) / blocks_ - v0_; \
      const size_t column = v0_ * LANES;                                                            \
      WITH_CONSTANT_VECTORS(count_, BLOCK)                                                          \
    }                                                                                               \
  } while (0)

// Runs BLOCK(first, R, V) over `count` rows in blocks of R rows, then of 4, then of 1.
#define FOR_EACH_ROW_BLOCK(count, R, V, BLOCK)                          \
  do {                                                                  \
    size_t first = 0;                                                   \
    for (; first + (R) <= (count); first += (R)) BLOCK(first, (R), V); \
    if ((R) > 4)                                                        \
      for (; first + 4 <= (count); first += 4) BLOCK(first, 4, V);      \
    for (; first < (count); first++) BLOCK(first, 1, V);                \
  } while (0)

/// sum[r][v] = Σₖ a[r·row_step + k·inner_step] · b[k·b_step + 8v] for r < R, v < V, k < inner:
/// one fused multiply-add per term, in the order of k, from zero. Every kernel's block is this
/// product: a layer's rows by its weights, the rows' errors by the weights' transpose, or the
/// inputs' columns by the errors.
INLINE void block_product(
    const double *a, size_t row_step, size_t inner_step, size_t inner, const int R, const double *b, size_t b_step, const int V,
    f64x8 sum[MAX_BLOCK_ROWS][MAX_BLOCK_VECTORS]) {
  UNROLL for (int r = 0; r < R; r++) UNROLL for (int v = 0; v < V; v++) sum[r][v] = (f64x8){0};
  for (size_t k = 0; k < inner; k++) {
    const double *bk = b + k * b_step;
    UNROLL for (int r = 0; r < R; r++) {
      const double ak = a[r * row_step + k * inner_step];
      const f64x8 as = SPLAT(ak);
      UNROLL for (int v = 0; v < V; v++) sum[r][v] = FMA(as, LOAD(bk + v * LANES), sum[r][v]);
    }
  }
}

// MARK: Forward

/// Rows r0 … r0 + R − 1, columns column … column + 8V − 1 of the layer's output.
INLINE void forward_block(
    const double *x, size_t inputs, const double *w, size_t width, const double *bias, size_t outputs, int relu, size_t r0,
    const int R, size_t column, const int V, double *z) {
  f64x8 sum[MAX_BLOCK_ROWS][MAX_BLOCK_VECTORS];
  block_product(x + r0 * inputs, inputs, 1, inputs, R, w + column, width, V, sum);
  // A value is kept where it is not below zero, or everywhere without the ReLU.
  const f64x8 zero = {0};
  const i64x8 keep_all = (i64x8){0} - (relu ? 0 : 1);
  double *out = z + r0 * outputs + column;
  UNROLL for (int v = 0; v < V; v++) {
    const f64x8 b = LOAD(bias + column + v * LANES);
    UNROLL for (int r = 0; r < R; r++) {
      const f64x8 value = sum[r][v] + b;
      STORE_LANES(out + r * outputs + v * LANES, SELECT((value >= zero) | keep_all, value, zero), outputs - column - v * LANES);
    }
  }
}

INLINE void forward(
    const double *x, size_t rows, size_t inputs, const double *w, size_t width, const double *bias, size_t outputs, int relu,
    const int wide, double *z) {
  // Column blocks outside, so that a block's weights stay in L1 while every row goes by.
#define ROWS(first, R, V) forward_block(x, inputs, w, width, bias, outputs, relu, first, R, column, V, z)
#define COLUMNS(V) FOR_EACH_ROW_BLOCK(rows, BLOCK_ROWS(V, wide), V, ROWS)
  FOR_EACH_COLUMN_BLOCK(vectors_of(outputs), wide ? 6 : 2, COLUMNS);
#undef ROWS
#undef COLUMNS
}

MULTIVERSIONED
void genrekit_dense_forward_f64(
    const double *x, size_t rows, size_t inputs, const double *weights, const double *bias, size_t outputs, int relu,
    double *scratch, double *z) {
  const size_t width = vectors_of(outputs) * LANES;
  double *w = scratch, *b = scratch + inputs * width;
  pad_rows(weights, inputs, outputs, width, w);
  pad_rows(bias, 1, outputs, width, b);
  if (wide_registers()) forward(x, rows, inputs, w, width, b, outputs, relu, 1, z);
  else forward(x, rows, inputs, w, width, b, outputs, relu, 0, z);
}

// MARK: Weight gradient

/// Inputs i0 … i0 + I − 1, columns column … column + 8V − 1 of the weight gradient.
INLINE void weight_gradient_block(
    const double *x, size_t rows, size_t inputs, const double *delta, size_t outputs, const double *w, size_t width,
    double alpha, size_t i0, const int I, size_t column, const int V, double *gradient) {
  f64x8 sum[MAX_BLOCK_ROWS][MAX_BLOCK_VECTORS];
  block_product(x + i0, 1, inputs, rows, I, delta + column, outputs, V, sum);
  const double n = (double)rows;
  UNROLL for (int i = 0; i < I; i++) UNROLL for (int v = 0; v < V; v++) {
    const size_t c = column + v * LANES;
    const f64x8 value = (sum[i][v] + alpha * LOAD(w + (i0 + i) * width + c)) / n;
    STORE_LANES(gradient + (i0 + i) * outputs + c, value, outputs - c);
  }
}

INLINE void weight_gradient(
    const double *x, size_t rows, size_t inputs, const double *delta, size_t outputs, const double *w, size_t width,
    double alpha, const int wide, double *gradient) {
  // `delta` streams from L2 once per block of inputs: blocks take as many inputs as the
  // registers allow, and fewer vectors.
#define INPUTS(first, I, V) weight_gradient_block(x, rows, inputs, delta, outputs, w, width, alpha, first, I, column, V, gradient)
#define COLUMNS(V) FOR_EACH_ROW_BLOCK(inputs, BLOCK_ROWS(V, wide), V, INPUTS)
  FOR_EACH_COLUMN_BLOCK(vectors_of(outputs), wide ? 4 : 2, COLUMNS);
#undef INPUTS
#undef COLUMNS
}

MULTIVERSIONED
void genrekit_dense_weight_gradient_f64(
    const double *x, size_t rows, size_t inputs, const double *delta, size_t outputs, const double *weights, double alpha,
    double *scratch, double *gradient) {
  const size_t width = vectors_of(outputs) * LANES;
  pad_rows(weights, inputs, outputs, width, scratch);
  if (wide_registers()) weight_gradient(x, rows, inputs, delta, outputs, scratch, width, alpha, 1, gradient);
  else weight_gradient(x, rows, inputs, delta, outputs, scratch, width, alpha, 0, gradient);
}

// MARK: Input gradient

/// Rows r0 … r0 + R − 1, inputs column … column + 8V − 1 of the input gradient, and those rows'
/// terms of the column sums.
INLINE void input_gradient_block(
    const double *delta, size_t outputs, const double *wt, size_t width, const double *x, size_t inputs, double scale,
    size_t r0, const int R, size_t column, const int V, double *x_gradient, double *sums) {
  f64x8 sum[MAX_BLOCK_ROWS][MAX_BLOCK_VECTORS];
  block_product(delta + r0 * outputs, outputs, 1, outputs, R, wt + column, width, V, sum);
  const f64x8 zero = {0}, scales = SPLAT(scale);
  const double *xs = x + r0 * inputs + column;
  double *out = x_gradient + r0 * inputs + column;
  UNROLL for (int v = 0; v < V; v++) {
    // The rows in order: each column's sum takes its terms in row order.
    f64x8 total = LOAD(sums + column + v * LANES);
    UNROLL for (int r = 0; r < R; r++) {
      const f64x8 value = sum[r][v] * SELECT(LOAD(xs + r * inputs + v * LANES) > zero, scales, zero);
      STORE_LANES(out + r * inputs + v * LANES, value, inputs - column - v * LANES);
      total += value;
    }
    *(f64x8 *)(sums + column + v * LANES) = total;
  }
}

INLINE void input_gradient(
    const double *delta, size_t rows, size_t outputs, const double *wt, size_t width, const double *x, size_t inputs,
    double scale, const int wide, double *x_gradient, double *sums) {
  // Row blocks in order within each column block: the column sums take their terms in row order.
#define ROWS(first, R, V) input_gradient_block(delta, outputs, wt, width, x, inputs, scale, first, R, column, V, x_gradient, sums)
#define COLUMNS(V) FOR_EACH_ROW_BLOCK(rows, BLOCK_ROWS(V, wide), V, ROWS)
  FOR_EACH_COLUMN_BLOCK(vectors_of(inputs), wide ? 4 : 2, COLUMNS);
#undef ROWS
#undef COLUMNS
}

MULTIVERSIONED
void genrekit_dense_input_gradient_f64(
    const double *delta, size_t rows, size_t outputs, const double *weights, size_t inputs, const double *x, double scale,
    double *scratch, double *x_gradient, double *column_sums) {
  const size_t width = vectors_of(inputs) * LANES;
  double *wt = scratch, *sums = scratch + outputs * width;
  transpose_padded(weights, inputs, outputs, width, wt);
  memset(sums, 0, width * sizeof(double));
  if (wide_registers()) input_gradient(delta, rows, outputs, wt, width, x, inputs, scale, 1, x_gradient, sums);
  else input_gradient(delta, rows, outputs, wt, width, x, inputs, scale, 0, x_gradient, sums);
  memcpy(column_sums, sums, inputs * sizeof(double));
}
