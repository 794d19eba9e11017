#ifndef GENREKIT_SLIDING_MEDIAN_H
#define GENREKIT_SLIDING_MEDIAN_H

#include <stddef.h>
#include <stdint.h>

/// Number of independent sequences one call filters side by side.
#define GENREKIT_MEDIAN_LANES 8
/// Longest window the kernel accepts.
#define GENREKIT_MEDIAN_MAX_WINDOW 31

/// Running median of an odd `window` (at most 31) over 8 independent sequences at once.
///
/// Element i of the (already boundary-extended) sequences is the 8 consecutive floats at
/// `input + positions[i] * input_stride`; the 8 medians of window k (elements k ..< k + window) are
/// written to `output + k * output_stride`, for k = 0 ..< position_count − window + 1 (none when
/// position_count < window). Values must not be NaN.
void genrekit_sliding_median_x8(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, size_t position_count,
    int window, float *output, ptrdiff_t output_stride);

/// The same running median for sequences that arrive a few elements at a time, `groups` sets of 8
/// lanes side by side: `sorted` holds each group's current window sorted, `window` vectors of 8
/// floats per group (`groups * window * 8` floats). Start sets every window to +∞. Each of `steps`
/// steps then adds element `incoming[step]` (group g's 8 values at `incoming[step] + 8 * g`) and
/// removes `outgoing[step]`, or none while the window is filling (`outgoing[step]` NULL); after
/// each step the median of every group is written to `medians + step * medians_stride + 8 * g`,
/// unless `medians` is NULL.
void genrekit_sliding_median_start_x8(float *sorted, size_t groups, int window);
void genrekit_sliding_median_push_x8(
    float *sorted, size_t groups, int window, size_t steps, const float *const *outgoing,
    const float *const *incoming, float *medians, ptrdiff_t medians_stride);

/// Rows → lanes: `block[i * 8 + lane] = rows[lane * row_stride + i]` for i < length and
/// lane < height (≤ 8); lanes from `height` on are set to 0.
void genrekit_interleave_x8(
    const float *rows, ptrdiff_t row_stride, size_t height, size_t length, float *block);

/// Lanes → rows, the inverse: `rows[lane * row_stride + i] = block[i * 8 + lane]` for lane < height.
void genrekit_deinterleave_x8(
    const float *block, size_t length, size_t height, float *rows, ptrdiff_t row_stride);

#endif
