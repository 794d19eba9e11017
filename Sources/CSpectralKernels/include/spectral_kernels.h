#ifndef GENREKIT_SPECTRAL_KERNELS_H
#define GENREKIT_SPECTRAL_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The STFT's windowing: `out[i] = window[i] · samples[i]` (the sample widened to double), i < n.
void genrekit_window_frame(const double *window, const float *samples, size_t n, double *out);

/// The STFT's rounding of one frame: `complex64[i] = (float)spectrum[i]` for i < 2·bins
/// (interleaved re, im), and `magnitude[k] = (float)√(re² + im²)` of bin k's complex64 values
/// widened to double.
void genrekit_round_spectrum(const double *spectrum, size_t bins, float *complex64, float *magnitude);

/// HPSS's harmonic soft mask (`librosa.util.softmask(H, P, power=2, split_zeros=True)`), in
/// place of the harmonic medians: `H²/(H² + P²)` after scaling both by `max(H, P)`, 0.5 where that
/// is below float32's smallest normal.
void genrekit_harmonic_soft_mask(float *harmonic, const float *percussive, size_t count);

/// A masked frame for the inverse FFT: bin k's complex64 `values` times `mask[k]` in float32,
/// widened to double, `spectrum[2k], spectrum[2k + 1]`.
void genrekit_mask_spectrum(const float *values, const float *mask, size_t bins, double *spectrum);

/// The inverse STFT's overlap-add of one frame into a ring of `length` sums: `ring[(start + i) mod
/// length] += window[i] · frame[i]` for i < length, in whole hops (`start` and `length` are
/// multiples of `hop`), except the last hop, which no earlier frame reached: there the sums start,
/// `ring[…] = +0 + window[i] · frame[i]`, so the ring needs no clearing between frames.
void genrekit_overlap_add(const double *window, const double *frame, size_t length, size_t hop, size_t start, double *ring);

/// The index of the first NaN or infinity among `count` samples, or `count` if there is none.
size_t genrekit_first_non_finite(const float *samples, size_t count);

/// The inverse STFT's normalisation: `out[i] = (float)(sums[i] / norms[i])`, or `(float)sums[i]`
/// where `norms[i]` is not above float32's smallest normal (librosa's `window_sumsquare` rule).
void genrekit_normalize_overlap(const double *sums, const double *norms, size_t count, float *out);

/// `out[r] = Σ_i x[i] · rows[r · row_stride + i]`, i < count, for r < row_count, in float32 and
/// always in one order: eight partial sums (sum j takes i ≡ j mod 8 up to the last whole eight),
/// added in lane order to −0, then the last count mod 8 products one by one.
void genrekit_dot_rows(
    const float *x, const float *rows, ptrdiff_t row_stride, size_t row_count, size_t count, float *out);

/// Spectral centroid and bandwidth (p = 2) of each of `frames` magnitude frames (frame-major,
/// `bins` values each), as librosa computes them: the frame L1-normalised in double (left as it is
/// when its norm is below float32's smallest normal) and rounded to float32, then `c = Σ f·n` and
/// `b = √Σ n·(f − c)·(f − c)`. Each sum runs in four interleaved partial sums (sum j takes
/// i ≡ j mod 4 up to the last whole four, the rest go to sum 0), added as `(s0 + s1) + (s2 + s3)`.
/// `normalized` is scratch for `4 · bins` doubles.
void genrekit_spectral_centroid_bandwidth(
    const float *magnitude, size_t frames, const double *frequencies, size_t bins, double *normalized,
    double *centroid, double *bandwidth);

/// The tuning estimate's peaks in one magnitude frame (librosa 0.7's `piptrack` on the power
/// spectrum, in float32): with P = magnitude², the bins k of `first ... last` whose P, zeroed where
/// it is not above 0.1 × the frame's largest P, exceeds its left neighbour's and is at least its
/// right one's, each refined by parabolic interpolation. Writes each peak's frequency
/// (`(k + shift) · sample_rate / frame_length`) and height to `pitches` and `heights`, in order of
/// k, and returns how many; `power` is scratch for `bins` floats.
size_t genrekit_tuning_peaks(
    const float *magnitude, size_t bins, size_t first, size_t last, double sample_rate, double frame_length,
    float *power, float *pitches, float *heights);

/// Mean and population variance of the harmonic samples and of the percussive ones (`signal[i] −
/// harmonic[i]` in float32 for i < reconstructed, 0 after), i < count, into `moments` (harmonic
/// mean, variance, percussive mean, variance): each as `MeanVariance` computes it alone, in
/// double, two passes of four interleaved partial sums (as `genrekit_spectral_centroid_bandwidth`
/// states), the two sequences side by side.
void genrekit_harmonic_percussive_moments(
    const float *signal, const float *harmonic, size_t count, size_t reconstructed, double *moments);

/// RMS energy's block sums: `sums[b] = Σ_i (double)(samples[b · length + i]²)` for b < count, the
/// square in float32, the sum in double and in order of i < length.
void genrekit_block_square_sums(const float *samples, size_t length, size_t count, double *sums);

/// Adds a tempogram frame's power spectrum (`bins` (re, im) pairs of a real FFT), divided by its
/// autocorrelation's lag-0 value, to `sum`: the inverse FFT of the sum over frames is the sum of
/// the frames' autocorrelations, each divided by its peak. Adds nothing for a frame whose lag-0
/// value is below double's smallest normal.
void genrekit_add_normalized_power_spectrum(const double *spectrum, size_t bins, double *sum);

/// MFCCs of a band-major `bands × frames` log-mel spectrogram: `out[q · frames + t] =
/// (float)Σ_j dct[j · count + q] · (double)mel[j · frames + t]` for q < count, the sum over the bands
/// j in order, from +0, in double.
void genrekit_mfcc(const float *mel, size_t bands, size_t frames, const double *dct, size_t count, float *out);

/// Decibels: `out[i · stride] = factor · log10f(max(floor, values[i]))` for i < count, in float32,
/// with Swift's `max` (a NaN value gives `floor`) and glibc's log10f to the bit as glibc computes it
/// on CPUs with AVX2 and FMA, on every CPU.
void genrekit_decibels(const float *values, size_t count, float factor, float floor, float *out, size_t stride);

/// Sparse rows (the mel filter bank's bands) over the power of eight frames at once, in decibels.
/// `block` holds `bins × 8` magnitudes, bin-major with frame j in lane j (`genrekit_interleave_x8`),
/// and is squared in place (float32, `S²`); then for each row r and frame j < count,
/// `out[r · stride + j] = factor · log10f(max(floor, Σ_i weights[starts[r] + i] · S²[first[r] + i][j]))`
/// for i < lengths[r], the sum made as one row of `genrekit_dot_rows` and the decibels as
/// `genrekit_decibels`.
void genrekit_filter_bank_decibels_x8(
    float *block, size_t bins, const float *weights, const int32_t *starts, const int32_t *first, const int32_t *lengths,
    size_t rows, size_t count, float factor, float floor, float *out, size_t stride);

#endif
