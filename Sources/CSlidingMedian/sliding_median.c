// The HPSS median filters are most of the feature extractor's time (librosa spends it in scipy's
// per-output selection). This kernel keeps, for each of 8 lanes, the window sorted in 31 vectors
// (one rank per vector) and moves to the next window with no branches and no data-dependent
// addressing: insert the incoming value, then delete the outgoing one, both as element-wise
// min/max/compare/select across the ranks. Written in C with clang vector extensions because Swift
// cannot compile one function for AVX2 and dispatch on the CPU at run time; `target_clones` builds
// an AVX2 version and a baseline one and picks at load time.

#include "sliding_median.h"

#include <math.h>

// The rank loops are unrolled in full for the constant 31-point window; the instantiations for
// other windows (a run-time count) cannot be, which clang would report at every build.
#pragma clang diagnostic ignored "-Wpass-failed"

typedef float f32x8 __attribute__((vector_size(32), aligned(4)));
typedef int32_t i32x8 __attribute__((vector_size(32), aligned(4)));

// Macros, not functions: a 256-bit vector argument to a function built without AVX changes the ABI.
#define SELECT(mask, yes, no) ((f32x8)(((i32x8)(yes) & (mask)) | ((i32x8)(no) & ~(mask))))
#define MIN(a, b) SELECT((b) < (a), (b), (a))
#define MAX(a, b) SELECT((b) > (a), (b), (a))

// The first window is built by insertion into a window of +∞: sorted'[r] = max(min(v, sorted[r]),
// sorted[r − 1]).
static inline __attribute__((always_inline)) void insert(f32x8 *sorted, const int window, const float *value) {
  const f32x8 infinity = (f32x8){0} + INFINITY;
  const f32x8 incoming = *(const f32x8 *)value;
  f32x8 below = -infinity;
  for (int rank = 0; rank < window; rank++) {
    const f32x8 here = sorted[rank];
    sorted[rank] = MAX(MIN(incoming, here), below);
    below = here;
  }
}

// One step along the sequences: with the incoming value inserted the window holds window + 1
// sorted values; deleting the outgoing one keeps rank r below it and takes rank r + 1 from there
// on (any copy of a repeated value is the same value).
static inline __attribute__((always_inline)) void replace(
    f32x8 *sorted, const int window, const float *outgoing_value, const float *incoming_value) {
  const f32x8 infinity = (f32x8){0} + INFINITY;
  const f32x8 outgoing = *(const f32x8 *)outgoing_value;
  const f32x8 incoming = *(const f32x8 *)incoming_value;
  f32x8 here = sorted[0];
  f32x8 inserted = MIN(incoming, here);
#pragma clang loop unroll(full)
  for (int rank = 0; rank < window; rank++) {
    const f32x8 above = rank + 1 < window ? sorted[rank + 1] : infinity;
    const f32x8 insertedAbove = MAX(MIN(incoming, above), here);
    sorted[rank] = SELECT(inserted < outgoing, inserted, insertedAbove);
    here = above;
    inserted = insertedAbove;
  }
}

static inline __attribute__((always_inline)) void slide(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, size_t position_count,
    const int window, float *output, ptrdiff_t output_stride) {
#define ELEMENT(i) (input + positions[i] * input_stride)
  if (position_count < (size_t)window) return;
  f32x8 sorted[GENREKIT_MEDIAN_MAX_WINDOW];
  for (int rank = 0; rank < window; rank++) sorted[rank] = (f32x8){0} + INFINITY;
  for (int i = 0; i < window; i++) insert(sorted, window, ELEMENT(i));
  const int middle = window / 2;
  *(f32x8 *)output = sorted[middle];
  const size_t output_count = position_count - window + 1;
  for (size_t k = 1; k < output_count; k++) {
    replace(sorted, window, ELEMENT(k - 1), ELEMENT(k + window - 1));
    *(f32x8 *)(output + k * output_stride) = sorted[middle];
  }
#undef ELEMENT
}

// Each group's window is advanced through all the steps before the next group's: its 31 vectors
// stay in L1 for the steps instead of streaming every group's window through it at every step.
static inline __attribute__((always_inline)) void push(
    float *sorted, size_t groups, const int window, size_t steps, const float *const *outgoing,
    const float *const *incoming, float *medians, ptrdiff_t medians_stride) {
  const size_t lanes = GENREKIT_MEDIAN_LANES;
  for (size_t group = 0; group < groups; group++) {
    f32x8 *window_of_group = (f32x8 *)(sorted + group * window * lanes);
    const size_t column = group * lanes;
    for (size_t step = 0; step < steps; step++) {
      if (outgoing[step])
        replace(window_of_group, window, outgoing[step] + column, incoming[step] + column);
      else
        insert(window_of_group, window, incoming[step] + column);
      if (medians) *(f32x8 *)(medians + step * medians_stride + column) = window_of_group[window / 2];
    }
  }
}

#if defined(__x86_64__)
#define MULTIVERSIONED __attribute__((target_clones("avx2", "default")))
#else
#define MULTIVERSIONED
#endif

MULTIVERSIONED
void genrekit_sliding_median_x8(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, size_t position_count,
    int window, float *output, ptrdiff_t output_stride) {
  // A constant window lets the compiler unroll the rank loops of HPSS's 31-point filters.
  if (window == GENREKIT_MEDIAN_MAX_WINDOW)
    slide(input, input_stride, positions, position_count, GENREKIT_MEDIAN_MAX_WINDOW, output, output_stride);
  else
    slide(input, input_stride, positions, position_count, window, output, output_stride);
}

void genrekit_sliding_median_start_x8(float *sorted, size_t groups, int window) {
  for (size_t i = 0; i < groups * (size_t)window * GENREKIT_MEDIAN_LANES; i++) sorted[i] = INFINITY;
}

MULTIVERSIONED
void genrekit_sliding_median_push_x8(
    float *sorted, size_t groups, int window, size_t steps, const float *const *outgoing,
    const float *const *incoming, float *medians, ptrdiff_t medians_stride) {
  if (window == GENREKIT_MEDIAN_MAX_WINDOW)
    push(sorted, groups, GENREKIT_MEDIAN_MAX_WINDOW, steps, outgoing, incoming, medians, medians_stride);
  else
    push(sorted, groups, window, steps, outgoing, incoming, medians, medians_stride);
}

// 8 × 8 transpose in registers: dst row j = column j of the 8 source rows.
static inline __attribute__((always_inline)) void transpose8x8(
    const float *src, ptrdiff_t src_stride, float *dst, ptrdiff_t dst_stride) {
#define ROW(i) (*(const f32x8 *)(src + (i) * src_stride))
#define UNPACK_LO(a, b) __builtin_shufflevector(a, b, 0, 8, 1, 9, 4, 12, 5, 13)
#define UNPACK_HI(a, b) __builtin_shufflevector(a, b, 2, 10, 3, 11, 6, 14, 7, 15)
#define PAIRS_LO(a, b) __builtin_shufflevector(a, b, 0, 1, 8, 9, 4, 5, 12, 13)
#define PAIRS_HI(a, b) __builtin_shufflevector(a, b, 2, 3, 10, 11, 6, 7, 14, 15)
#define HALVES_LO(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11)
#define HALVES_HI(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15)
  const f32x8 t0 = UNPACK_LO(ROW(0), ROW(1)), t1 = UNPACK_HI(ROW(0), ROW(1));
  const f32x8 t2 = UNPACK_LO(ROW(2), ROW(3)), t3 = UNPACK_HI(ROW(2), ROW(3));
  const f32x8 t4 = UNPACK_LO(ROW(4), ROW(5)), t5 = UNPACK_HI(ROW(4), ROW(5));
  const f32x8 t6 = UNPACK_LO(ROW(6), ROW(7)), t7 = UNPACK_HI(ROW(6), ROW(7));
  const f32x8 u0 = PAIRS_LO(t0, t2), u1 = PAIRS_HI(t0, t2), u2 = PAIRS_LO(t1, t3), u3 = PAIRS_HI(t1, t3);
  const f32x8 u4 = PAIRS_LO(t4, t6), u5 = PAIRS_HI(t4, t6), u6 = PAIRS_LO(t5, t7), u7 = PAIRS_HI(t5, t7);
  *(f32x8 *)(dst + 0 * dst_stride) = HALVES_LO(u0, u4);
  *(f32x8 *)(dst + 1 * dst_stride) = HALVES_LO(u1, u5);
  *(f32x8 *)(dst + 2 * dst_stride) = HALVES_LO(u2, u6);
  *(f32x8 *)(dst + 3 * dst_stride) = HALVES_LO(u3, u7);
  *(f32x8 *)(dst + 4 * dst_stride) = HALVES_HI(u0, u4);
  *(f32x8 *)(dst + 5 * dst_stride) = HALVES_HI(u1, u5);
  *(f32x8 *)(dst + 6 * dst_stride) = HALVES_HI(u2, u6);
  *(f32x8 *)(dst + 7 * dst_stride) = HALVES_HI(u3, u7);
#undef ROW
#undef UNPACK_LO
#undef UNPACK_HI
#undef PAIRS_LO
#undef PAIRS_HI
#undef HALVES_LO
#undef HALVES_HI
}

MULTIVERSIONED
void genrekit_interleave_x8(
    const float *rows, ptrdiff_t row_stride, size_t height, size_t length, float *block) {
  const size_t lanes = GENREKIT_MEDIAN_LANES;
  size_t i = 0;
  if (height == lanes)
    for (; i + lanes <= length; i += lanes) transpose8x8(rows + i, row_stride, block + i * lanes, lanes);
  for (; i < length; i++)
    for (size_t lane = 0; lane < lanes; lane++)
      block[i * lanes + lane] = lane < height ? rows[lane * row_stride + i] : 0;
}

MULTIVERSIONED
void genrekit_deinterleave_x8(
    const float *block, size_t length, size_t height, float *rows, ptrdiff_t row_stride) {
  const size_t lanes = GENREKIT_MEDIAN_LANES;
  size_t i = 0;
  if (height == lanes)
    for (; i + lanes <= length; i += lanes) transpose8x8(block + i * lanes, lanes, rows + i, row_stride);
  for (; i < length; i++)
    for (size_t lane = 0; lane < height; lane++) rows[lane * row_stride + i] = block[i * lanes + lane];
}
