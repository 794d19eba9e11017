#ifndef GENREKIT_DISTANCE_KERNELS_H
#define GENREKIT_DISTANCE_KERNELS_H

/// Points per block of `genrekit_blocks_squared_distances`.
#define GENREKIT_DISTANCE_LANES 8
/// Blocks per call of `genrekit_blocks_squared_distances` at most (64 lanes: one bit each).
#define GENREKIT_DISTANCE_MAX_BLOCKS 8

/// The squared Euclidean distances from `query` (`dimensions` values) to the points of
/// `block_count` (at most 8) consecutive blocks of 8 points, each block stored coordinate-major
/// (coordinate j of point l at j · 8 + l), into `out` (block_count · 8 values). Each is summed in
/// the order of GenreKit's `squaredDistance`: four partial sums over the coordinates j ≡ 0, 1, 2,
/// 3 (mod 4), added in turn, then the remaining coordinates one by one, with no multiply-add
/// contracted, so that the values are that function's bit for bit. Returns the points whose
/// distance is at most `bound`, point i of the run as bit i (a NaN is never within it).
unsigned long long genrekit_blocks_squared_distances(const double *query, const double *blocks, long block_count, long dimensions, double bound, double *out);

/// The largest magnitude of a coordinate for which `genrekit_blocks_candidates` is used: the
/// float32 sums of squares of differences stay finite (17 · (2 · 10¹⁸)² < 3.4 · 10³⁸).
#define GENREKIT_CANDIDATE_MAX_SCALE 1e18

/// The points of `block_count` (at most 8) blocks, a float32 copy of those above (same layout),
/// whose float32 squared distance from `query` (the query rounded to float32) is at most
/// `threshold`: point i of the run as bit i, the distances in `out` (block_count · 8 values).
/// With the threshold below, a superset of the points whose `genrekit_blocks_squared_distances`
/// is within the bound.
unsigned long long genrekit_blocks_candidates(
    const float *query, const float *blocks, long block_count, long dimensions, float threshold, float *out);

/// How far above a bound on double squared distances float32's may lie: `bound · factor + addend`.
typedef struct {
  double factor;
  double addend;
} genrekit_candidate_margin;

/// The margin for a query whose coordinates' magnitudes, added to a point's, are at most `scale`
/// (at most GENREKIT_CANDIDATE_MAX_SCALE).
genrekit_candidate_margin genrekit_candidate_margin_for(double scale, long dimensions);

/// The float32 threshold that admits every point whose double squared distance is at most
/// `bound`: `bound · factor + addend` rounded up to float32 (+∞ past its range or for bound +∞).
static inline float genrekit_candidate_threshold(genrekit_candidate_margin margin, double bound) {
  double threshold = bound * margin.factor + margin.addend;
  if (!(threshold < (double)__FLT_MAX__)) return __builtin_inff();
  float rounded = (float)threshold;
  return (double)rounded < threshold ? __builtin_nextafterf(rounded, __builtin_inff()) : rounded;
}

/// Lane `lane`'s squared distance in one double block, `genrekit_blocks_squared_distances`'s bit
/// for bit.
double genrekit_block_point_squared_distance(const double *query, const double *block, long lane, long dimensions);

#endif
