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

#endif
