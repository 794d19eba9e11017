// The HPSS median filters are most of the feature extractor's time (librosa spends it in scipy's
// per-output selection). This kernel runs 8 sequences side by side, one per vector lane, with no
// branches and no data-dependent addressing: every step is element-wise min/max/compare/select.
// A window is kept sorted in one vector per rank and moved to the next window by inserting the
// incoming value and deleting the outgoing one (`slide`); HPSS's 31-point window goes 8 windows at
// a time instead, from sorting networks over what neighbouring windows share (`slide31`). Written
// in C with clang vector extensions because Swift cannot compile one function for AVX2 and
// dispatch on the CPU at run time; `target_clones` builds an AVX2 version and a baseline one and
// picks at load time.

#include "sliding_median.h"

#include <math.h>

#include "median_networks.h"

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

// Windows first ..< first + count, one step at a time: the first window built by insertion, each
// next one by `replace`. 4 vector operations per rank and step.
static inline __attribute__((always_inline)) void slide(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, const int window, size_t first,
    size_t count, float *output, ptrdiff_t output_stride) {
#define ELEMENT(i) (input + positions[i] * input_stride)
  f32x8 sorted[GENREKIT_MEDIAN_MAX_WINDOW];
  for (int rank = 0; rank < window; rank++) sorted[rank] = (f32x8){0} + INFINITY;
  for (int i = 0; i < window; i++) insert(sorted, window, ELEMENT(first + i));
  *(f32x8 *)output = sorted[window / 2];
  for (size_t k = first + 1; k < first + count; k++) {
    replace(sorted, window, ELEMENT(k - 1), ELEMENT(k + window - 1));
    *(f32x8 *)(output + (k - first) * output_stride) = sorted[window / 2];
  }
#undef ELEMENT
}

// HPSS's 31-point window in blocks of 8 windows (k = s ..< s + 8), after Adams, "Fast median
// filters using separable sorting networks" (2021): the 8 windows share the 24 elements
// s + 7 ..< s + 31, and window k adds 7 more, those of k ..< s + 7 and s + 31 ..< k + 31. The
// median (rank 15 of 31) is at most 7 ranks away from rank 15 of the shared 24, so it is rank 7 of
// the shared ranks 8..15 and the 7 others. The shared elements are three sorted runs of 8: each run
// is sorted once, each pair of neighbouring runs merged once, and the next block reuses two runs and
// their merge. The 7 others are kept sorted from window to window (one out, one in, as `replace`).
// Per window about half of `slide`'s 31 × 4 vector operations, in registers. A call that
// continues where the previous one stopped (`carried`, `resume`) takes its first block's two runs
// and their merge from that call instead of sorting them again.

#define COMPARE_EXCHANGE(v, i, j)           \
  do {                                      \
    const f32x8 smaller_ = MIN(v[i], v[j]); \
    v[j] = MAX(v[i], v[j]);                 \
    v[i] = smaller_;                        \
  } while (0)

// Runs a comparator table whose positions are constants once the loop is unrolled, so that `v`
// stays in registers.
#define RUN_NETWORK(network, v)                                                              \
  _Pragma("clang loop unroll(full)") for (size_t c_ = 0; c_ < sizeof(network) / 2; c_++) \
      COMPARE_EXCHANGE(v, network[c_][0], network[c_][1])

static inline __attribute__((always_inline)) void slide31(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, size_t first, size_t count,
    float *output, ptrdiff_t output_stride, f32x8 *carried, int resume) {
  const size_t end = first + count;
  // Every element read is in one of the windows first ..< end (a partial last block's runs too).
#define ELEMENT(i) (*(const f32x8 *)(input + positions[i] * input_stride))
  // The block's first two shared runs, each sorted, and the two merged (runs[0 ..< 8] is only
  // written, to be merged at the block's end).
  f32x8 runs[16], merged[16];
  if (resume) {
    for (int i = 0; i < 16; i++) merged[i] = carried[i];
    for (int i = 0; i < 8; i++) runs[8 + i] = carried[16 + i];
  } else {
    for (int i = 0; i < 16; i++) runs[i] = ELEMENT(first + 7 + i);
    RUN_NETWORK(sort8_network, runs);
    RUN_NETWORK(sort8_network, (runs + 8));
    for (int i = 0; i < 16; i++) merged[i] = runs[i];
    RUN_NETWORK(merge8_network, merged);
  }
  for (size_t s = first; s < end; s += 8) {
    f32x8 wires[24 + 2 * sizeof(middle_ranks_network) / 2];
    for (int i = 0; i < 16; i++) wires[i] = merged[i];
    for (int i = 0; i < 8; i++) wires[16 + i] = ELEMENT(s + 23 + i);
    RUN_NETWORK(sort8_network, (wires + 16));
#pragma clang loop unroll(full)
    for (size_t c = 0; c < sizeof(middle_ranks_network) / 2; c++) {
      const f32x8 a = wires[middle_ranks_network[c][0]], b = wires[middle_ranks_network[c][1]];
      wires[24 + 2 * c] = MIN(a, b);
      wires[25 + 2 * c] = MAX(a, b);
    }
    f32x8 middle[8], others[7];
    for (int i = 0; i < 8; i++) middle[i] = wires[middle_ranks_outputs[i]];
    for (int i = 0; i < 7; i++) others[i] = ELEMENT(s + i);
    RUN_NETWORK(sort7_network, others);
    for (size_t k = s; k < s + 8 && k < end; k++) {
      // Rank 7 of the two sorted runs: the largest min(middle[i], others[7 − i]), others[7] = +∞.
      f32x8 median = middle[0];
      for (int i = 1; i < 8; i++) median = MAX(median, MIN(middle[i], others[7 - i]));
      *(f32x8 *)(output + (k - first) * output_stride) = median;
      if (k + 1 < s + 8 && k + 1 < end) replace(others, 7, (const float *)&ELEMENT(k), (const float *)&ELEMENT(k + 31));
    }
    for (int i = 0; i < 8; i++) {
      runs[i] = runs[8 + i];
      runs[8 + i] = wires[16 + i];
    }
    for (int i = 0; i < 16; i++) merged[i] = runs[i];
    RUN_NETWORK(merge8_network, merged);
  }
  // The state this call leaves for the next (GENREKIT_MEDIAN31_CARRIED_FLOATS): the next block's
  // first two runs merged (16 vectors), then its second run (8).
  if (carried) {
    for (int i = 0; i < 16; i++) carried[i] = merged[i];
    for (int i = 0; i < 8; i++) carried[16 + i] = runs[8 + i];
  }
#undef ELEMENT
}

#if defined(__x86_64__)
#define MULTIVERSIONED __attribute__((target_clones("avx2", "default")))
#else
#define MULTIVERSIONED
#endif

MULTIVERSIONED
void genrekit_sliding_median_x8(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, int window, size_t first, size_t count,
    float *output, ptrdiff_t output_stride) {
  if (count == 0) return;
  if (window == GENREKIT_MEDIAN_MAX_WINDOW)
    slide31(input, input_stride, positions, first, count, output, output_stride, NULL, 0);
  else
    slide(input, input_stride, positions, window, first, count, output, output_stride);
}

MULTIVERSIONED
void genrekit_sliding_median31_x8_carrying(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, size_t first, size_t count,
    float *output, ptrdiff_t output_stride, float *carried, int resume) {
  if (count == 0) return;
  slide31(input, input_stride, positions, first, count, output, output_stride, (f32x8 *)carried, resume);
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
