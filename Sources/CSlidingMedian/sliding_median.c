// The HPSS median filters are most of the feature extractor's time (librosa spends it in scipy's
// per-output selection). This kernel keeps, for each of 8 lanes, the window sorted in 31 vectors
// (one rank per vector) and moves to the next window with no branches and no data-dependent
// addressing: insert the incoming value, then delete the outgoing one, both as element-wise
// min/max/compare/select across the ranks. Written in C with clang vector extensions because Swift
// cannot compile one function for AVX2 and dispatch on the CPU at run time; `target_clones` builds
// an AVX2 version and a baseline one and picks at load time.

#include "sliding_median.h"

#include <math.h>

typedef float f32x8 __attribute__((vector_size(32), aligned(4)));
typedef int32_t i32x8 __attribute__((vector_size(32), aligned(4)));

// Macros, not functions: a 256-bit vector argument to a function built without AVX changes the ABI.
#define SELECT(mask, yes, no) ((f32x8)(((i32x8)(yes) & (mask)) | ((i32x8)(no) & ~(mask))))
#define MIN(a, b) SELECT((b) < (a), (b), (a))
#define MAX(a, b) SELECT((b) > (a), (b), (a))

static inline __attribute__((always_inline)) void slide(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, size_t position_count,
    const int window, float *output, ptrdiff_t output_stride) {
#define ELEMENT(i) (*(const f32x8 *)(input + positions[i] * input_stride))
  if (position_count < (size_t)window) return;
  const f32x8 infinity = (f32x8){0} + INFINITY;
  f32x8 sorted[GENREKIT_MEDIAN_MAX_WINDOW];
  for (int rank = 0; rank < window; rank++) sorted[rank] = infinity;
  // The first window by insertion: sorted'[r] = max(min(v, sorted[r]), sorted[r − 1]).
  for (int i = 0; i < window; i++) {
    const f32x8 incoming = ELEMENT(i);
    f32x8 below = -infinity;
    for (int rank = 0; rank < window; rank++) {
      const f32x8 here = sorted[rank];
      sorted[rank] = MAX(MIN(incoming, here), below);
      below = here;
    }
  }
  const int middle = window / 2;
  *(f32x8 *)output = sorted[middle];
  const size_t output_count = position_count - window + 1;
  for (size_t k = 1; k < output_count; k++) {
    const f32x8 outgoing = ELEMENT(k - 1);
    const f32x8 incoming = ELEMENT(k + window - 1);
    // With the incoming value inserted the window holds window + 1 sorted values; deleting the
    // outgoing one keeps rank r below it and takes rank r + 1 from there on (any copy of a
    // repeated value is the same value).
    f32x8 here = sorted[0];
    f32x8 inserted = MIN(incoming, here);
    for (int rank = 0; rank < window; rank++) {
      const f32x8 above = rank + 1 < window ? sorted[rank + 1] : infinity;
      const f32x8 insertedAbove = MAX(MIN(incoming, above), here);
      sorted[rank] = SELECT(inserted < outgoing, inserted, insertedAbove);
      here = above;
      inserted = insertedAbove;
    }
    *(f32x8 *)(output + k * output_stride) = sorted[middle];
  }
#undef ELEMENT
}

#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void genrekit_sliding_median_x8(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, size_t position_count,
    int window, float *output, ptrdiff_t output_stride) {
  // A constant window lets the compiler unroll the rank loops of HPSS's 31-point filters.
  if (window == GENREKIT_MEDIAN_MAX_WINDOW)
    slide(input, input_stride, positions, position_count, GENREKIT_MEDIAN_MAX_WINDOW, output, output_stride);
  else
    slide(input, input_stride, positions, position_count, window, output, output_stride);
}
