#ifndef GENREKIT_DISTANCE_KERNELS_H
#define GENREKIT_DISTANCE_KERNELS_H

/// Points per block of `genrekit_block_squared_distances`.
#define GENREKIT_DISTANCE_LANES 8

/// The squared Euclidean distances from `query` (`dimensions` values) to the 8 points of `block`,
/// stored coordinate-major (coordinate j of point l at j · 8 + l), into `out` (8 values). Each is
/// summed in the order of GenreKit's `squaredDistance`: four partial sums over the coordinates
/// j ≡ 0, 1, 2, 3 (mod 4), added in turn, then the remaining coordinates one by one, with no
/// multiply-add contracted, so that the values are that function's bit for bit. Returns the lanes
/// whose distance is at most `bound`, lane l as bit l (a NaN is never within it).
unsigned genrekit_block_squared_distances(const double *query, const double *block, long dimensions, double bound, double *out);

#endif
