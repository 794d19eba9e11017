// A k-d tree query measures thousands of points in its leaves, eight points at a time, one vector
// per coordinate: most of a search's arithmetic, and most of its memory traffic (in 12
// dimensions a query of the Spotify table reads about 7,000 of its 26,000 points). So the leaves
// are read first in float32, half the bytes and twice the lanes per instruction, and only the
// points that float32 cannot rule out are measured again in double, one at a time (a whole
// block of 8 in double for each was 8 % slower). In C because Swift cannot compile one function
// for AVX-512 or AVX2 and choose it on the CPU at run time; `target_clones` builds those
// versions and a baseline one and picks at load time. Every version rounds alike: the same
// operations in the same order, none contracted into a fused multiply-add.

#include "distance_kernels.h"

#pragma STDC FP_CONTRACT OFF

typedef double f64x8 __attribute__((vector_size(64), aligned(8)));
typedef long long i64x8 __attribute__((vector_size(64), aligned(8)));
typedef float f32x8 __attribute__((vector_size(32), aligned(4)));
typedef int i32x8 __attribute__((vector_size(32), aligned(4)));

// One kernel for both precisions: the squared distances of a run of blocks into `out`, and the
// lanes within `bound` as bits. Whether any lane of any block is within the bound is reduced
// across lanes once: most runs have none, and the lane-by-lane mask is built only for those
// that do.
#define DEFINE_BLOCKS_WITHIN(name, scalar, vector, mask)                                                                      \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) unsigned long long name(                    \
      const scalar *query, const scalar *blocks, long block_count, long dimensions, scalar bound, scalar *out) {             \
    mask any_within = {0};                                                                                                    \
    for (long b = 0; b < block_count; b++) {                                                                                  \
      const scalar *block = blocks + b * dimensions * GENREKIT_DISTANCE_LANES;                                                \
      vector s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};                                                                          \
      long j = 0;                                                                                                             \
      for (; j + 4 <= dimensions; j += 4) {                                                                                   \
        vector t0 = query[j] - *(const vector *)(block + j * 8), t1 = query[j + 1] - *(const vector *)(block + (j + 1) * 8);  \
        vector t2 = query[j + 2] - *(const vector *)(block + (j + 2) * 8);                                                    \
        vector t3 = query[j + 3] - *(const vector *)(block + (j + 3) * 8);                                                    \
        s0 += t0 * t0;                                                                                                        \
        s1 += t1 * t1;                                                                                                        \
        s2 += t2 * t2;                                                                                                        \
        s3 += t3 * t3;                                                                                                        \
      }                                                                                                                       \
      vector total = s0 + s1 + s2 + s3;                                                                                       \
      for (; j < dimensions; j++) {                                                                                           \
        vector t = query[j] - *(const vector *)(block + j * 8);                                                               \
        total += t * t;                                                                                                       \
      }                                                                                                                       \
      *(vector *)(out + b * GENREKIT_DISTANCE_LANES) = total;                                                                 \
      any_within |= total <= bound;                                                                                           \
    }                                                                                                                         \
    long long any = 0;                                                                                                        \
    for (int l = 0; l < GENREKIT_DISTANCE_LANES; l++) any |= any_within[l];                                                   \
    if (!any) return 0;                                                                                                       \
    unsigned long long within_bound = 0;                                                                                      \
    for (long i = 0; i < block_count * GENREKIT_DISTANCE_LANES; i++) within_bound |= (unsigned long long)(out[i] <= bound) << i; \
    return within_bound;                                                                                                      \
  }

DEFINE_BLOCKS_WITHIN(genrekit_blocks_squared_distances, double, f64x8, i64x8)
DEFINE_BLOCKS_WITHIN(genrekit_blocks_candidates, float, f32x8, i32x8)

genrekit_candidate_margin genrekit_candidate_margin_for(double scale, long dimensions) {
  const double u = 0x1p-24, tiny = 0x1p-147;
  double d = (double)dimensions;
  // Each float32 difference is within delta of the exact one (both coordinates rounded, then
  // their difference), so each square is within delta (2 scale + delta); the float32 sums and
  // squares add at most (d + 1) u relatively, the double distance (d + 2) 2^-53. Doubled for
  // slack, and a few subnormal steps for coordinates and squares below float32's normal range.
  double delta = u * scale * (2 + u) + tiny;
  return (genrekit_candidate_margin){.factor = 1 + 2 * (d + 2) * u, .addend = 2 * d * delta * (2 * scale + delta) + d * tiny};
}

double genrekit_block_point_squared_distance(const double *query, const double *block, long lane, long dimensions) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  long j = 0;
  for (; j + 4 <= dimensions; j += 4) {
    double t0 = query[j] - block[j * 8 + lane], t1 = query[j + 1] - block[(j + 1) * 8 + lane];
    double t2 = query[j + 2] - block[(j + 2) * 8 + lane], t3 = query[j + 3] - block[(j + 3) * 8 + lane];
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  double total = s0 + s1 + s2 + s3;
  for (; j < dimensions; j++) {
    double t = query[j] - block[j * 8 + lane];
    total += t * t;
  }
  return total;
}
