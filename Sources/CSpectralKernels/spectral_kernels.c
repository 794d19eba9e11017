// The feature extractor's frame-wise loops (the STFT's and its inverse's, HPSS masking's, the
// filter banks', MFCC, spectral shape, tempogram, tuning, RMS, the parts' moments, decibels, and
// decoding's finiteness check): a fifth of its time, and twice that as Swift. In C because Swift
// compiles them for its baseline x86-64 (two doubles per vector) and cannot compile one function
// for AVX2 and choose it on the CPU at run time; `target_clones` builds those versions and a
// baseline one and picks at load time. Every version
// rounds alike: the same operations in the same order as librosa's (or the Swift code's they
// replaced), none contracted into a fused multiply-add (the only ones are glibc's logf's, written
// out), so the features do not depend on the CPU.
// Where a sum is one chain of dependent additions, other frames', rows' or sequences' chains run
// beside it instead of reordering it.

#include "spectral_kernels.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#define MULTIVERSIONED __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MULTIVERSIONED
#endif

MULTIVERSIONED
void genrekit_window_frame(const double *window, const float *samples, size_t n, double *out) {
  for (size_t i = 0; i < n; i++) out[i] = window[i] * (double)samples[i];
}

MULTIVERSIONED
void genrekit_round_spectrum(const double *spectrum, size_t bins, float *complex64, float *magnitude) {
  for (size_t i = 0; i < 2 * bins; i++) complex64[i] = (float)spectrum[i];
  for (size_t k = 0; k < bins; k++) {
    const double re = complex64[2 * k], im = complex64[2 * k + 1];
    magnitude[k] = (float)sqrt(re * re + im * im);
  }
}

MULTIVERSIONED
void genrekit_harmonic_soft_mask(float *harmonic, const float *percussive, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const float h = harmonic[i], p = percussive[i];
    const float largest = p >= h ? p : h;
    const int silent = largest < FLT_MIN;
    const float scale = silent ? 1.0f : largest;
    const float hs = h / scale, ps = p / scale;
    const float hh = hs * hs, pp = ps * ps;
    harmonic[i] = silent ? 0.5f : hh / (hh + pp);
  }
}

MULTIVERSIONED
void genrekit_mask_spectrum(const float *values, const float *mask, size_t bins, double *spectrum) {
  for (size_t k = 0; k < bins; k++) {
    spectrum[2 * k] = (double)(values[2 * k] * mask[k]);
    spectrum[2 * k + 1] = (double)(values[2 * k + 1] * mask[k]);
  }
}

MULTIVERSIONED
void genrekit_overlap_add(const double *window, const double *frame, size_t length, size_t hop, size_t start, double *ring) {
  const size_t last = length - hop;
  for (size_t part = 0; part < last; part += hop) {
    double *target = ring + (start + part) % length;
    for (size_t i = 0; i < hop; i++) target[i] += window[part + i] * frame[part + i];
  }
  // No earlier frame reached the last hop: its sums start here, from +0 as a cleared ring's did.
  double *target = ring + (start + last) % length;
  for (size_t i = 0; i < hop; i++) target[i] = 0.0 + window[last + i] * frame[last + i];
}

MULTIVERSIONED
size_t genrekit_first_non_finite(const float *samples, size_t count) {
  // Blocks tested branch-free (an exponent of all ones), so that the test vectorises; only a block
  // that has one is searched.
  const size_t block = 4096;
  for (size_t start = 0; start < count; start += block) {
    const size_t end = start + block < count ? start + block : count;
    uint32_t non_finite = 0;
    for (size_t i = start; i < end; i++) {
      uint32_t bits;
      memcpy(&bits, &samples[i], sizeof bits);
      non_finite |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    if (non_finite)
      for (size_t i = start; i < end; i++)
        if (!isfinite(samples[i])) return i;
  }
  return count;
}

MULTIVERSIONED
void genrekit_normalize_overlap(const double *sums, const double *norms, size_t count, float *out) {
  // Divided unconditionally and selected after, so that the loop vectorises.
  for (size_t i = 0; i < count; i++) {
    const double quotient = sums[i] / norms[i];
    out[i] = (float)(norms[i] > (double)FLT_MIN ? quotient : sums[i]);
  }
}

typedef float f32x8 __attribute__((vector_size(32), aligned(4)));
typedef double f64x4 __attribute__((vector_size(32), aligned(8)));
typedef int32_t i32x8 __attribute__((vector_size(32), aligned(4)));
typedef double f64x8 __attribute__((vector_size(64), aligned(8)));

// A row's sum as genrekit_dot_rows states it, from its eight partial sums (which the caller
// stores: a 256-bit vector argument to a function built without AVX changes the ABI).
static inline float finish_dot(const float *partial, const float *x, const float *row, size_t whole, size_t count) {
  float sum = -0.0f;
  for (int lane = 0; lane < 8; lane++) sum += partial[lane];
  for (size_t i = whole; i < count; i++) sum += x[i] * row[i];
  return sum;
}

// One row's sum as genrekit_dot_rows states it.
static inline __attribute__((always_inline)) float dot_row(const float *x, const float *row, size_t count) {
  const size_t whole = count / 8 * 8;
  f32x8 partial = {0};
  for (size_t i = 0; i < whole; i += 8) partial += *(const f32x8 *)(x + i) * *(const f32x8 *)(row + i);
  return finish_dot((const float *)&partial, x, row, whole, count);
}

MULTIVERSIONED
void genrekit_dot_rows(
    const float *x, const float *rows, ptrdiff_t row_stride, size_t row_count, size_t count, float *out) {
#define LOAD(p) (*(const f32x8 *)(p))
  const size_t whole = count / 8 * 8;
  size_t r = 0;
  // Four rows at a time: four independent chains of additions instead of one waiting on itself.
  for (; r + 4 <= row_count; r += 4) {
    const float *row0 = rows + r * row_stride, *row1 = row0 + row_stride, *row2 = row1 + row_stride, *row3 = row2 + row_stride;
    f32x8 partial0 = {0}, partial1 = {0}, partial2 = {0}, partial3 = {0};
    for (size_t i = 0; i < whole; i += 8) {
      const f32x8 xi = LOAD(x + i);
      partial0 += xi * LOAD(row0 + i);
      partial1 += xi * LOAD(row1 + i);
      partial2 += xi * LOAD(row2 + i);
      partial3 += xi * LOAD(row3 + i);
    }
    const f32x8 partials[4] = {partial0, partial1, partial2, partial3};
    out[r] = finish_dot((const float *)&partials[0], x, row0, whole, count);
    out[r + 1] = finish_dot((const float *)&partials[1], x, row1, whole, count);
    out[r + 2] = finish_dot((const float *)&partials[2], x, row2, whole, count);
    out[r + 3] = finish_dot((const float *)&partials[3], x, row3, whole, count);
  }
  for (; r < row_count; r++) out[r] = dot_row(x, rows + r * row_stride, count);
#undef LOAD
}

MULTIVERSIONED
void genrekit_mfcc(const float *mel, size_t bands, size_t frames, const double *dct, size_t count, float *out) {
  // Four frames in the lanes of a vector and four coefficients at a time: sixteen sums, four
  // independent chains of additions.
  size_t t = 0;
  for (; t + 4 <= frames; t += 4) {
    size_t q = 0;
    for (; q + 4 <= count; q += 4) {
      f64x4 sum0 = {0}, sum1 = {0}, sum2 = {0}, sum3 = {0};
      for (size_t j = 0; j < bands; j++) {
        const float *m = mel + j * frames + t;
        const f64x4 x = {m[0], m[1], m[2], m[3]};
        const double *w = dct + j * count + q;
        sum0 += w[0] * x;
        sum1 += w[1] * x;
        sum2 += w[2] * x;
        sum3 += w[3] * x;
      }
      const f64x4 sums[4] = {sum0, sum1, sum2, sum3};
      for (int i = 0; i < 4; i++)
        for (int lane = 0; lane < 4; lane++) out[(q + i) * frames + t + lane] = (float)sums[i][lane];
    }
    for (; q < count; q++) {
      f64x4 sum = {0};
      for (size_t j = 0; j < bands; j++) {
        const float *m = mel + j * frames + t;
        sum += dct[j * count + q] * (f64x4){m[0], m[1], m[2], m[3]};
      }
      for (int lane = 0; lane < 4; lane++) out[q * frames + t + lane] = (float)sum[lane];
    }
  }
  for (; t < frames; t++)
    for (size_t q = 0; q < count; q++) {
      double sum = 0;
      for (size_t j = 0; j < bands; j++) sum += dct[j * count + q] * (double)mel[j * frames + t];
      out[q * frames + t] = (float)sum;
    }
}

// The four partial sums as genrekit_spectral_centroid_bandwidth states: `rest` holds sum 0 with
// the terms after the last whole four added.
static inline double add_partial_sums(const double *partial, double rest) {
  return (rest + partial[1]) + (partial[2] + partial[3]);
}

// The centroids and bandwidths of `group` (≤ 4) consecutive frames side by side. Each frame's
// sums are one chain of dependent additions per lane; the chains of different frames are
// independent, so `group` frames take little longer than one. Each frame's arithmetic is that
// of the frame alone.
static inline __attribute__((always_inline)) void shape_of_frames(
    const float *magnitude, const int group, const double *frequencies, size_t bins, double *normalized,
    double *centroid, double *bandwidth) {
#define LOAD(p) (*(const f64x4 *)(p))
  const size_t whole = bins / 4 * 4;
  f64x4 partial[4];
  double c[4];
  for (int f = 0; f < group; f++) partial[f] = (f64x4){0};
  for (size_t i = 0; i < whole; i += 4)
    for (int f = 0; f < group; f++) {
      const float *m = magnitude + f * bins + i;
      partial[f] += (f64x4){m[0], m[1], m[2], m[3]};
    }
  for (int f = 0; f < group; f++) {
    const float *m = magnitude + f * bins;
    double rest = partial[f][0];
    for (size_t i = whole; i < bins; i++) rest += (double)m[i];
    const double norm = add_partial_sums((const double *)&partial[f], rest);
    // A reciprocal: the quotient may differ in its last double bit, which the float32 rounding
    // below almost never sees.
    const double scale = norm < (double)FLT_MIN ? 1 : 1 / norm;
    double *n = normalized + f * bins;
    for (size_t i = 0; i < bins; i++) n[i] = (double)(float)((double)m[i] * scale);
    partial[f] = (f64x4){0};
  }
  for (size_t i = 0; i < whole; i += 4)
    for (int f = 0; f < group; f++) partial[f] += LOAD(frequencies + i) * LOAD(normalized + f * bins + i);
  for (int f = 0; f < group; f++) {
    const double *n = normalized + f * bins;
    double rest = partial[f][0];
    for (size_t i = whole; i < bins; i++) rest += frequencies[i] * n[i];
    c[f] = add_partial_sums((const double *)&partial[f], rest);
    partial[f] = (f64x4){0};
  }
  for (size_t i = 0; i < whole; i += 4)
    for (int f = 0; f < group; f++) {
      const f64x4 deviation = LOAD(frequencies + i) - c[f];
      partial[f] += LOAD(normalized + f * bins + i) * deviation * deviation;
    }
  for (int f = 0; f < group; f++) {
    const double *n = normalized + f * bins;
    double rest = partial[f][0];
    for (size_t i = whole; i < bins; i++) rest += n[i] * (frequencies[i] - c[f]) * (frequencies[i] - c[f]);
    centroid[f] = c[f];
    bandwidth[f] = sqrt(add_partial_sums((const double *)&partial[f], rest));
  }
#undef LOAD
}

MULTIVERSIONED
void genrekit_spectral_centroid_bandwidth(
    const float *magnitude, size_t frames, const double *frequencies, size_t bins, double *normalized,
    double *centroid, double *bandwidth) {
  size_t t = 0;
  for (; t + 4 <= frames; t += 4)
    shape_of_frames(magnitude + t * bins, 4, frequencies, bins, normalized, centroid + t, bandwidth + t);
  for (; t < frames; t++)
    shape_of_frames(magnitude + t * bins, 1, frequencies, bins, normalized, centroid + t, bandwidth + t);
}

MULTIVERSIONED
size_t genrekit_tuning_peaks(
    const float *magnitude, size_t bins, size_t first, size_t last, double sample_rate, double frame_length,
    float *power, float *pitches, float *heights) {
  // Squaring is monotonic on magnitudes: the largest power is the largest magnitude squared.
  // Eight lanes at a time (without NaNs, the order of the comparisons does not matter).
  f32x8 lanes = {0};
  size_t k = 0;
  for (; k + 8 <= bins; k += 8) {
    const f32x8 next = *(const f32x8 *)(magnitude + k);
    const i32x8 above = next > lanes;
    lanes = (f32x8)(((i32x8)next & above) | ((i32x8)lanes & ~above));
  }
  float largest = 0;
  for (int lane = 0; lane < 8; lane++) largest = lanes[lane] > largest ? lanes[lane] : largest;
  for (; k < bins; k++) largest = magnitude[k] > largest ? magnitude[k] : largest;
  const float reference = 0.1f * (largest * largest);
  // The thresholded power of the candidates and their neighbours, once (each bin is compared
  // three times); the rare peaks are then refined one by one.
  for (k = first - 1; k <= last + 1; k++) {
    const float p = magnitude[k] * magnitude[k];
    power[k] = p > reference ? p : 0;
  }
  size_t count = 0;
  for (size_t group = first; group <= last; group += 32) {
    // Which of up to 32 bins are peaks, found without a branch per bin (a third fewer
    // instructions than testing them one by one); then the peaks in order of k.
    const size_t width = last + 1 - group < 32 ? last + 1 - group : 32;
    uint32_t peaks = 0;
    for (size_t j = 0; j < width; j++) {
      const float *p = power + group + j;
      peaks |= (uint32_t)((p[0] > p[-1]) & (p[0] >= p[1])) << j;
    }
    for (; peaks != 0; peaks &= peaks - 1) {
      k = group + (size_t)__builtin_ctz(peaks);
      // librosa 0.7 arithmetic on the unthresholded power, in float32.
      const float below = magnitude[k - 1] * magnitude[k - 1], here = magnitude[k] * magnitude[k],
                  above = magnitude[k + 1] * magnitude[k + 1];
      const float average = 0.5f * (above - below);
      const float curvature = 2 * here - above - below;
      const float shift = average / (curvature + (fabsf(curvature) < FLT_MIN ? 1 : 0));
      const float skew = 0.5f * average * shift;
      pitches[count] = (float)(((double)k + (double)shift) * sample_rate / frame_length);
      heights[count] = here + skew;
      count++;
    }
  }
  return count;
}

// Sample i of the percussive part.
static inline double percussive_sample(const float *signal, const float *harmonic, size_t i, size_t reconstructed) {
  return i < reconstructed ? (double)(signal[i] - harmonic[i]) : 0;
}

MULTIVERSIONED
void genrekit_harmonic_percussive_moments(
    const float *signal, const float *harmonic, size_t count, size_t reconstructed, double *moments) {
  if (count == 0) {
    for (int m = 0; m < 4; m++) moments[m] = 0;
    return;
  }
  const size_t whole = count / 4 * 4;
  double mean[2] = {0, 0};
  for (int pass = 0; pass < 2; pass++) {
    // Pass 0 sums the samples, pass 1 their squared deviations from the mean.
    const double h_mean = mean[0], p_mean = mean[1];
    f64x4 h_partial = {0}, p_partial = {0};
    for (size_t i = 0; i < whole; i += 4) {
      f64x4 h = {harmonic[i], harmonic[i + 1], harmonic[i + 2], harmonic[i + 3]};
      f64x4 p;
      if (i + 4 <= reconstructed)
        p = (f64x4){signal[i] - harmonic[i], signal[i + 1] - harmonic[i + 1], signal[i + 2] - harmonic[i + 2],
                    signal[i + 3] - harmonic[i + 3]};
      else
        for (int lane = 0; lane < 4; lane++) p[lane] = percussive_sample(signal, harmonic, i + lane, reconstructed);
      if (pass == 1) {
        h = (h - h_mean) * (h - h_mean);
        p = (p - p_mean) * (p - p_mean);
      }
      h_partial += h;
      p_partial += p;
    }
    double h_rest = h_partial[0], p_rest = p_partial[0];
    for (size_t i = whole; i < count; i++) {
      double h = harmonic[i], p = percussive_sample(signal, harmonic, i, reconstructed);
      if (pass == 1) {
        h = (h - h_mean) * (h - h_mean);
        p = (p - p_mean) * (p - p_mean);
      }
      h_rest += h;
      p_rest += p;
    }
    const double h_sum = add_partial_sums((const double *)&h_partial, h_rest);
    const double p_sum = add_partial_sums((const double *)&p_partial, p_rest);
    if (pass == 0) {
      mean[0] = h_sum / (double)count;
      mean[1] = p_sum / (double)count;
    } else {
      moments[0] = mean[0];
      moments[1] = h_sum / (double)count;
      moments[2] = mean[1];
      moments[3] = p_sum / (double)count;
    }
  }
}

MULTIVERSIONED
void genrekit_block_square_sums(const float *samples, size_t length, size_t count, double *sums) {
  // Eight blocks side by side: each block's sum is one chain of dependent additions, eight
  // independent chains keep the adders busy.
  size_t b = 0;
  for (; b + 8 <= count; b += 8) {
    double sum[8] = {0};
    for (size_t i = 0; i < length; i++)
      for (int j = 0; j < 8; j++) {
        const float x = samples[(b + j) * length + i];
        sum[j] += (double)(x * x);
      }
    for (int j = 0; j < 8; j++) sums[b + j] = sum[j];
  }
  for (; b < count; b++) {
    double sum = 0;
    for (size_t i = 0; i < length; i++) sum += (double)(samples[b * length + i] * samples[b * length + i]);
    sums[b] = sum;
  }
}

MULTIVERSIONED
void genrekit_add_normalized_power_spectrum(const double *spectrum, size_t bins, double *sum) {
#define POWER(k) (spectrum[2 * (k)] * spectrum[2 * (k)] + spectrum[2 * (k) + 1] * spectrum[2 * (k) + 1])
  // The inverse real FFT's lag-0 output: bins 0 and n/2 once, the others twice (their conjugates).
  // Summed in 8 interleaved chains (a fixed order, so every version rounds alike).
  double partial[8] = {0};
  size_t k = 1;
  for (; k + 8 < bins; k += 8)
    for (int j = 0; j < 8; j++) partial[j] += POWER(k + j);
  for (int j = 0; k + 1 < bins; k++, j++) partial[j] += POWER(k);
  double twice = 0;
  for (int j = 0; j < 8; j++) twice += partial[j];
  const double lag0 = POWER(0) + POWER(bins - 1) + 2 * twice;
  if (!(lag0 >= DBL_MIN)) return;
  // Times the reciprocal, not divided: the sum only ranks tempo candidates.
  const double scale = 1 / lag0;
  for (k = 0; k < bins; k++) sum[k] += POWER(k) * scale;
#undef POWER
}

// glibc's logf table (2.28 and later, from Arm's optimized-routines): 1/c and log(c) for the
// centre c of each of 16 subintervals of [0x1.66p-1, 0x1.66p0).
static const double logf_table[16][2] = {
    {0x1.661ec79f8f3bep+0, -0x1.57bf7808caadep-2}, {0x1.571ed4aaf883dp+0, -0x1.2bef0a7c06ddbp-2},
    {0x1.49539f0f010bp+0, -0x1.01eae7f513a67p-2},  {0x1.3c995b0b80385p+0, -0x1.b31d8a68224e9p-3},
    {0x1.30d190c8864a5p+0, -0x1.6574f0ac07758p-3}, {0x1.25e227b0b8eap+0, -0x1.1aa2bc79c81p-3},
    {0x1.1bb4a4a1a343fp+0, -0x1.a4e76ce8c0e5ep-4}, {0x1.12358f08ae5bap+0, -0x1.1973c5a611cccp-4},
    {0x1.0953f419900a7p+0, -0x1.252f438e10c1ep-5}, {0x1p+0, 0x0p+0},
    {0x1.e608cfd9a47acp-1, 0x1.aa5aa5df25984p-5},  {0x1.ca4b31f026aap-1, 0x1.c5e53aa362eb4p-4},
    {0x1.b2036576afce6p-1, 0x1.526e57720db08p-3},  {0x1.9c2d163a1aa2dp-1, 0x1.bc2860d22477p-3},
    {0x1.886e6037841edp-1, 0x1.1058bc8a07ee1p-2},  {0x1.767dcf5534862p-1, 0x1.4043057b6ee09p-2},
};

// log10f(x) of eight lanes, to the bit glibc's (2.36) as it runs where glibc picks its FMA build
// of logf (CPUs with AVX2 and FMA), so the decibels no longer depend on the CPU. glibc's log10f
// splits x = 2^(k + i)·m in float32 (m in [1, 2), or [0.5, 1) when k < 0, i = 1) and returns
// (logf(m)·ivln10 + y·log10_2lo) + y·log10_2hi with y = k + i; logf reduces m by the table and
// evaluates a cubic in double, with these fused multiply-adds in this order. Lanes that are not
// positive, normal and finite go to libm's log10f itself.
static inline __attribute__((always_inline)) void log10f8(const f32x8 *x_in, f32x8 *out) {
  const f32x8 x = *x_in;
  const i32x8 bits = (i32x8)x;
  const i32x8 k = (bits >> 23) - 127, i = (k < 0) & 1;
  const i32x8 m = (bits & 0x7fffff) | ((0x7f - i) << 23);
  const f32x8 y = __builtin_convertvector(k + i, f32x8);
  // logf(m): m = 2^e·z with z near a table centre c, log(m) = e·ln2 + log(c) + log1p(z/c − 1).
  const i32x8 offset = m - 0x3f330000;
  const i32x8 slot = (offset >> 19) & 15, e = offset >> 23;
  const f64x8 z = __builtin_convertvector((f32x8)(m - (offset & (int32_t)0xff800000)), f64x8);
  f64x8 inverse_centre, log_centre;
  for (int lane = 0; lane < 8; lane++) {
    inverse_centre[lane] = logf_table[slot[lane]][0];
    log_centre[lane] = logf_table[slot[lane]][1];
  }
  const double ln2 = 0x1.62e42fefa39efp-1, a0 = -0x1.00ea348b88334p-2, a1 = 0x1.5575b0be00b6ap-2, a2 = -0x1.ffffef20a4123p-2;
  const f64x8 r = __builtin_elementwise_fma(z, inverse_centre, (f64x8){0} - 1.0);
  const f64x8 y0 = __builtin_elementwise_fma(__builtin_convertvector(e, f64x8), (f64x8){0} + ln2, log_centre);
  f64x8 p = __builtin_elementwise_fma(r, (f64x8){0} + a1, (f64x8){0} + a2);
  const f64x8 r2 = r * r;
  p = __builtin_elementwise_fma(r2, (f64x8){0} + a0, p);
  const f32x8 log_m = __builtin_convertvector(__builtin_elementwise_fma(r2, p, r + y0), f32x8);
  f32x8 result = (log_m * 0x1.bcb7b2p-2f + y * 0x1.a84fb6p-21f) + y * 0x1.3441p-2f;
  const i32x8 special = (bits < 0x00800000) | (bits >= 0x7f800000);
  if (__builtin_reduce_or(special))
    for (int lane = 0; lane < 8; lane++)
      if (special[lane]) result[lane] = log10f(x[lane]);
  *out = result;
}

// factor · log10f(max(floor, v)) of eight lanes, as genrekit_decibels states it.
static inline __attribute__((always_inline)) void decibels8(const f32x8 *values, float factor, float floor, f32x8 *out) {
  const f32x8 v = *values;
  // Swift's max(floor, v): v where v >= floor, floor otherwise (also for a NaN).
  const f32x8 floored = (f32x8)(((i32x8)v & (v >= floor)) | ((i32x8)((f32x8){0} + floor) & ~(v >= floor)));
  log10f8(&floored, out);
  *out *= factor;
}

MULTIVERSIONED
void genrekit_decibels(const float *values, size_t count, float factor, float floor, float *out, size_t stride) {
  for (size_t i = 0; i < count; i += 8) {
    const size_t lanes = count - i < 8 ? count - i : 8;
    // Lanes past the end take 1 (whose logarithm is 0) and are not written.
    f32x8 v = {1, 1, 1, 1, 1, 1, 1, 1};
    for (size_t lane = 0; lane < lanes; lane++) v[lane] = values[i + lane];
    f32x8 decibels;
    decibels8(&v, factor, floor, &decibels);
    for (size_t lane = 0; lane < lanes; lane++) out[(i + lane) * stride] = decibels[lane];
  }
}

// Eight frames in the lanes: each weight is multiplied into all eight at once, and each frame's
// sum is still the one chain genrekit_dot_rows states (no reordering), eight of them side by side.
// With the decibels this takes 6.0 M instructions for a 30-s clip (and 1.1 M to interleave the
// frames), where each frame's rows one after another took 16.1 M: the mel bands average 16
// weights, and each row spent most of its instructions on adding up its eight partial sums.
MULTIVERSIONED
void genrekit_filter_bank_decibels_x8(
    float *block, size_t bins, const float *weights, const int32_t *starts, const int32_t *first, const int32_t *lengths,
    size_t rows, size_t count, float factor, float floor, float *out, size_t stride) {
  f32x8 *power = (f32x8 *)block;
  for (size_t k = 0; k < bins; k++) power[k] = power[k] * power[k];
  for (size_t r = 0; r < rows; r++) {
    const float *w = weights + starts[r];
    const f32x8 *x = power + first[r];
    const size_t length = (size_t)lengths[r], whole = length / 8 * 8;
    f32x8 partial[8];
    for (int lane = 0; lane < 8; lane++) partial[lane] = (f32x8){0};
    for (size_t i = 0; i < whole; i += 8)
      for (int lane = 0; lane < 8; lane++) partial[lane] += w[i + lane] * x[i + lane];
    f32x8 sum = -(f32x8){0};
    for (int lane = 0; lane < 8; lane++) sum += partial[lane];
    for (size_t i = whole; i < length; i++) sum += w[i] * x[i];
    f32x8 decibels;
    decibels8(&sum, factor, floor, &decibels);
    for (size_t frame = 0; frame < count; frame++) out[r * stride + frame] = decibels[frame];
  }
}
