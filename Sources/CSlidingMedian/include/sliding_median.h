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
/// `input + positions[i] * input_stride`. The 8 medians of window k (elements k ..< k + window)
/// are written to `output + (k − first) * output_stride`, for k = first ..< first + count; only
/// the elements of those windows are read (positions[first ..< first + count + window − 1]).
/// Values must not be NaN (−0 and +0 are one value).
void genrekit_sliding_median_x8(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, int window, size_t first, size_t count,
    float *output, ptrdiff_t output_stride);

/// Floats of the state `genrekit_sliding_median31_x8_carrying` carries from one call to the next.
#define GENREKIT_MEDIAN31_CARRIED_FLOATS (24 * GENREKIT_MEDIAN_LANES)

/// `genrekit_sliding_median_x8` with the 31-point window, for a filter that goes along its
/// sequences a few windows per call. It leaves in `carried` (GENREKIT_MEDIAN31_CARRIED_FLOATS
/// floats) what the windows after its last one share with it. With `resume` nonzero, `carried`
/// must be what the previous call on the same sequences left, that call's `first + count` must be
/// this call's `first`, and its `count` a multiple of 8; the call then starts from that state
/// instead of sorting those elements again. The medians are the same either way.
void genrekit_sliding_median31_x8_carrying(
    const float *input, ptrdiff_t input_stride, const int32_t *positions, size_t first, size_t count,
    float *output, ptrdiff_t output_stride, float *carried, int resume);

/// Rows → lanes: `block[i * 8 + lane] = rows[lane * row_stride + i]` for i < length and
/// lane < height (≤ 8); lanes from `height` on are set to 0.
void genrekit_interleave_x8(
    const float *rows, ptrdiff_t row_stride, size_t height, size_t length, float *block);

/// Lanes → rows, the inverse: `rows[lane * row_stride + i] = block[i * 8 + lane]` for lane < height.
void genrekit_deinterleave_x8(
    const float *block, size_t length, size_t height, float *rows, ptrdiff_t row_stride);

#endif
