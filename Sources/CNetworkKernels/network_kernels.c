// A spectrogram network's first convolution has one input channel: as im2col and a matrix
// product its inner dimension is 9, where BLAS spends more time packing than multiplying, and
// its output, the largest array of the network, goes to memory and back three times (ReLU, max
// pooling, their gradients). These kernels convolve directly, two rows at a time over a
// zero-padded copy of the image, and pool the rows while they are in cache; the backward pass
// rebuilds the rows' gradients from the pooling codes. In C because Swift cannot compile one
// function for AVX2 + FMA and choose it on the CPU at run time; `target_clones` builds that
// version and a baseline one and picks at load time.

#include "network_kernels.h"

#include <string.h>

typedef float f32x8 __attribute__((vector_size(32), aligned(4)));
typedef int32_t i32x8 __attribute__((vector_size(32), aligned(4)));
typedef uint8_t u8x8 __attribute__((vector_size(8), aligned(1)));

#define MULTIVERSIONED __attribute__((target_clones("arch=x86-64-v3", "default")))
#define MULTIVERSIONED_WIDE __attribute__((target_clones("arch=x86-64-v4", "default")))
// Macros, not functions: a 256-bit vector argument to a function built without AVX changes the ABI.
#define LOAD(p) (*(const f32x8 *)(p))
#define ISELECT(mask, yes, no) (((yes) & (mask)) | ((no) & ~(mask)))
#define SELECT(mask, yes, no) ((f32x8)ISELECT(mask, (i32x8)(yes), (i32x8)(no)))
#define TOTAL(v) ((((v)[0] + (v)[1]) + ((v)[2] + (v)[3])) + (((v)[4] + (v)[5]) + ((v)[6] + (v)[7])))

/// The padded image split by column parity (see `split`).
size_t genrekit_conv_pool_scratch(size_t height, size_t width) { return 2 * (height + 2) * (width / 2 + 2); }

/// The image with a border of zeros, (height + 2) × (width + 2), stored as two planes of its even
/// and its odd columns, each of `half` = width / 2 + 2 columns (zeros past the end). Output
/// column x reads padded columns x, x + 1, x + 2; for the window column j (x = 2j or 2j + 1)
/// those are consecutive elements j or j + 1 of the planes, so a vector of windows loads
/// contiguous values.
static void split(const float *image, size_t height, size_t width, float *even, float *odd) {
  const size_t half = width / 2 + 2;
  memset(even, 0, (height + 2) * half * sizeof(float));
  memset(odd, 0, (height + 2) * half * sizeof(float));
  for (size_t y = 0; y < height; y++) {
    float *e = even + (y + 1) * half, *o = odd + (y + 1) * half;
    const float *row = image + y * width;
    // Padded column c + 1 holds image column c: odd padded columns are the even image columns.
    for (size_t c = 0; c < width; c++) {
      if (c % 2 == 0) o[c / 2] = row[c];
      else e[(c + 1) / 2] = row[c];
    }
  }
}

// Output (row y, column x) reads padded rows y … y + 2 and columns x … x + 2. In the planes,
// window column j's even output (x = 2j) reads E[j], O[j], E[j + 1] of each row and its odd
// output (x = 2j + 1) O[j], E[j + 1], O[j + 1]: the taps (p[j], q[j + s], p[j + 1]) of rows
// (p, q) = (E, O), s = 0, or (O, E), s = 1. A window's top outputs use rows 2i … 2i + 2, its
// bottom ones 2i + 1 … 2i + 3.

/// bias + Σ k[ky·3 + kx] · tap, in the order (ky, kx), of eight windows (READ_VECTOR) or one (READ_SCALAR).
#define CONVOLVE(p0, q0, p1, q1, p2, q2, s, READ, init)                       \
  ({                                                                          \
    __typeof__((init) + 0) v_ = init;                                         \
    v_ += k0 * READ(p0 + j);                                                  \
    v_ += k1 * READ(q0 + j + s);                                              \
    v_ += k2 * READ(p0 + j + 1);                                              \
    v_ += k3 * READ(p1 + j);                                                  \
    v_ += k4 * READ(q1 + j + s);                                              \
    v_ += k5 * READ(p1 + j + 1);                                              \
    v_ += k6 * READ(p2 + j);                                                  \
    v_ += k7 * READ(q2 + j + s);                                              \
    v_ += k8 * READ(p2 + j + 1);                                              \
    v_;                                                                       \
  })
#define READ_VECTOR(p) LOAD(p)
#define READ_SCALAR(p) (*(p))
/// A window's four outputs: top even, top odd, bottom even, bottom odd.
#define WINDOW(READ, init)                                                                                   \
  CONVOLVE(e0, d0, e1, d1, e2, d2, 0, READ, init), CONVOLVE(d0, e0, d1, e1, d2, e2, 1, READ, init),         \
      CONVOLVE(e1, d1, e2, d2, e3, d3, 0, READ, init), CONVOLVE(d1, e1, d2, e2, d3, e3, 1, READ, init)

/// Padded rows 2i … 2i + 3 of both planes.
#define ROWS(i)                                                                                       \
  const float *e0 = even + 2 * (i) * half, *e1 = e0 + half, *e2 = e1 + half, *e3 = e2 + half;        \
  const float *d0 = odd + 2 * (i) * half, *d1 = d0 + half, *d2 = d1 + half, *d3 = d2 + half

/// The image's parity planes in `scratch`, and the shapes both passes use.
#define SPLIT_PLANES()                                                                          \
  const size_t half = width / 2 + 2, pooled_height = height / 2, pooled_width = width / 2;     \
  float *even = scratch, *odd = scratch + (height + 2) * half;                                  \
  split(image, height, width, even, odd);                                                       \
  const f32x8 zero = {0};                                                                       \
  const i32x8 none = {0}

MULTIVERSIONED void genrekit_conv_pool_forward(
    const float *image, size_t height, size_t width, const float *weights, const float *bias, size_t channels,
    float *scratch, float *pooled, uint8_t *codes) {
  SPLIT_PLANES();
  for (size_t o = 0; o < channels; o++) {
    const float *k = weights + 9 * o;
    const float k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];
    for (size_t i = 0; i < pooled_height; i++) {
      ROWS(i);
      const size_t start = (o * pooled_height + i) * pooled_width;
      size_t j = 0;
      for (; j + 8 <= pooled_width; j += 8) {
        const f32x8 out[4] = {WINDOW(READ_VECTOR, zero + bias[o])};
        const f32x8 m0 = SELECT(out[1] > out[0], out[1], out[0]), m1 = SELECT(out[3] > out[2], out[3], out[2]);
        const f32x8 maximum = SELECT(m1 > m0, m1, m0);
        const i32x8 positive = maximum > zero;
        *(f32x8 *)(pooled + start + j) = SELECT(positive, maximum, zero);
        if (codes) {
          i32x8 code = none + 3;
          code = ISELECT(out[2] >= maximum, none + 2, code);
          code = ISELECT(out[1] >= maximum, none + 1, code);
          code = ISELECT(out[0] >= maximum, none, code);
          code = ISELECT(positive, code, none + GENREKIT_POOL_NO_GRADIENT);
          *(u8x8 *)(codes + start + j) = __builtin_convertvector(code, u8x8);
        }
      }
      for (; j < pooled_width; j++) {
        const float out[4] = {WINDOW(READ_SCALAR, bias[o])};
        const float m0 = out[1] > out[0] ? out[1] : out[0], m1 = out[3] > out[2] ? out[3] : out[2];
        const float maximum = m1 > m0 ? m1 : m0;
        pooled[start + j] = maximum > 0 ? maximum : 0;
        if (codes)
          codes[start + j] = !(maximum > 0) ? GENREKIT_POOL_NO_GRADIENT
                             : out[0] >= maximum ? 0 : out[1] >= maximum ? 1 : out[2] >= maximum ? 2 : 3;
      }
    }
  }
}

/// Adds g · each of an output's nine taps to the taps' sums, and g to the bias's.
#define ACCUMULATE(sums, g, p0, q0, p1, q1, p2, q2, s, READ) \
  do {                                                       \
    sums[0] += (g) * READ(p0 + j);                           \
    sums[1] += (g) * READ(q0 + j + s);                       \
    sums[2] += (g) * READ(p0 + j + 1);                       \
    sums[3] += (g) * READ(p1 + j);                           \
    sums[4] += (g) * READ(q1 + j + s);                       \
    sums[5] += (g) * READ(p1 + j + 1);                       \
    sums[6] += (g) * READ(p2 + j);                           \
    sums[7] += (g) * READ(q2 + j + s);                       \
    sums[8] += (g) * READ(p2 + j + 1);                       \
    sums[9] += (g);                                          \
  } while (0)

MULTIVERSIONED void genrekit_conv_pool_weight_gradient(
    const float *image, size_t height, size_t width, const float *pooled_gradient, const uint8_t *codes,
    size_t channels, float *scratch, float *weight_gradient, float *bias_gradient) {
  SPLIT_PLANES();
  for (size_t o = 0; o < channels; o++) {
    // Per tap (and the bias), eight lanes of partial sums over vectors of windows and a scalar
    // sum over the rows' last windows, added in a fixed order at the end. Only a window's first
    // maximum (its code) has a gradient; rows and columns outside every window have none.
    f32x8 lanes[10] = {zero, zero, zero, zero, zero, zero, zero, zero, zero, zero};
    float rest[10] = {0};
    for (size_t i = 0; i < pooled_height; i++) {
      ROWS(i);
      const size_t start = (o * pooled_height + i) * pooled_width;
      size_t j = 0;
      for (; j + 8 <= pooled_width; j += 8) {
        const f32x8 g = LOAD(pooled_gradient + start + j);
        const i32x8 code = __builtin_convertvector(*(const u8x8 *)(codes + start + j), i32x8);
        ACCUMULATE(lanes, SELECT(code == none, g, zero), e0, d0, e1, d1, e2, d2, 0, READ_VECTOR);
        ACCUMULATE(lanes, SELECT(code == none + 1, g, zero), d0, e0, d1, e1, d2, e2, 1, READ_VECTOR);
        ACCUMULATE(lanes, SELECT(code == none + 2, g, zero), e1, d1, e2, d2, e3, d3, 0, READ_VECTOR);
        ACCUMULATE(lanes, SELECT(code == none + 3, g, zero), d1, e1, d2, e2, d3, e3, 1, READ_VECTOR);
      }
      for (; j < pooled_width; j++) {
        const uint8_t code = codes[start + j];
        const float g = pooled_gradient[start + j];
        if (code == 0) ACCUMULATE(rest, g, e0, d0, e1, d1, e2, d2, 0, READ_SCALAR);
        if (code == 1) ACCUMULATE(rest, g, d0, e0, d1, e1, d2, e2, 1, READ_SCALAR);
        if (code == 2) ACCUMULATE(rest, g, e1, d1, e2, d2, e3, d3, 0, READ_SCALAR);
        if (code == 3) ACCUMULATE(rest, g, d1, e1, d2, e2, d3, e3, 1, READ_SCALAR);
      }
    }
    for (int t = 0; t < 9; t++) weight_gradient[9 * o + t] = TOTAL(lanes[t]) + rest[t];
    bias_gradient[o] = TOTAL(lanes[9]) + rest[9];
  }
}

// MARK: Direct 3 × 3 convolution on many channels

// With AVX-512 a direct convolution beats im2col and BLAS's AVX2 product (which Debian's
// OpenBLAS picks on AMD's AVX-512 CPUs, and which an environment may force): no copy of the
// neighbourhoods and no packing, and twice the lanes. The padded input's planes are laid out
// flat with rows `stride` = width + 2 apart; output (y, x) is computed at grid position
// p = y·stride + x, where tap (c, ky, kx) is the input at c·plane + p + ky·stride + kx: a
// vector of consecutive grid positions reads consecutive inputs for every tap, across rows (the
// two positions per row past the width are computed and dropped). Eight output channels times
// 48 positions are kept in 24 vector registers while the taps go by.

typedef float f32x16 __attribute__((vector_size(64), aligned(4)));

#define CHANNEL_BLOCK 8
#define POSITIONS 48

int genrekit_conv3x3_has_wide_vectors(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

size_t genrekit_conv3x3_packed_size(size_t out_channels, size_t in_channels, int transpose_flip) {
  const size_t outs = transpose_flip ? in_channels : out_channels, ins = transpose_flip ? out_channels : in_channels;
  return (outs + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK * ins * 9;
}

void genrekit_conv3x3_pack(const float *weights, size_t out_channels, size_t in_channels, int transpose_flip, float *packed) {
  // The packed kernels' own output and input counts.
  const size_t outs = transpose_flip ? in_channels : out_channels, ins = transpose_flip ? out_channels : in_channels;
  const size_t blocks = (outs + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
  for (size_t b = 0; b < blocks; b++)
    for (size_t k = 0; k < ins * 9; k++)
      for (size_t i = 0; i < CHANNEL_BLOCK; i++) {
        const size_t o = b * CHANNEL_BLOCK + i, c = k / 9, tap = k % 9;
        float value = 0;
        if (o < outs) value = transpose_flip ? weights[(c * in_channels + o) * 9 + (8 - tap)] : weights[(o * in_channels + c) * 9 + tap];
        packed[(b * ins * 9 + k) * CHANNEL_BLOCK + i] = value;
      }
}

/// Zeros read past the last plane by the last vectors of positions.
static size_t slack(size_t width) { return POSITIONS + 2 * (width + 2) + 2; }

/// Grid positions computed: the rows of outputs with their two extra positions, rounded up.
static size_t grid_positions(size_t height, size_t width) { return (height * (width + 2) + POSITIONS - 1) / POSITIONS * POSITIONS; }

size_t genrekit_conv3x3_scratch(size_t in_channels, size_t height, size_t width) {
  return in_channels * (height + 2) * (width + 2) + slack(width) + CHANNEL_BLOCK * grid_positions(height, width);
}

/// `channels` planes into `padded`: each with a border of zeros, rows width + 2 apart, and
/// zeros after the last.
static void pad_planes(const float *input, size_t channels, size_t height, size_t width, float *padded) {
  const size_t stride = width + 2, plane = (height + 2) * stride;
  memset(padded, 0, (channels * plane + slack(width)) * sizeof(float));
  for (size_t c = 0; c < channels; c++)
    for (size_t y = 0; y < height; y++) memcpy(padded + c * plane + (y + 1) * stride + 1, input + (c * height + y) * width, width * sizeof(float));
}

MULTIVERSIONED_WIDE void genrekit_conv3x3_forward(
    const float *input, size_t in_channels, size_t height, size_t width, const float *packed, const float *bias,
    size_t out_channels, int relu, float *scratch, float *output) {
  const size_t stride = width + 2, plane = (height + 2) * stride, positions = grid_positions(height, width);
  float *padded = scratch, *grid = scratch + in_channels * plane + slack(width);
  pad_planes(input, in_channels, height, width, padded);
  const f32x16 zero = {0};
  for (size_t b = 0; b * CHANNEL_BLOCK < out_channels; b++) {
    const float *kernels = packed + b * in_channels * 9 * CHANNEL_BLOCK;
    for (size_t p = 0; p < positions; p += POSITIONS) {
      f32x16 sums[CHANNEL_BLOCK][3];
#pragma clang loop unroll(full)
      for (int i = 0; i < CHANNEL_BLOCK; i++) sums[i][0] = sums[i][1] = sums[i][2] = zero;
      for (size_t c = 0; c < in_channels; c++) {
        const float *source = padded + c * plane + p;
        const float *k = kernels + c * 9 * CHANNEL_BLOCK;
#pragma clang loop unroll(full)
        for (int tap = 0; tap < 9; tap++) {
          const float *at = source + (tap / 3) * stride + tap % 3;
          const f32x16 x0 = *(const f32x16 *)at, x1 = *(const f32x16 *)(at + 16), x2 = *(const f32x16 *)(at + 32);
#pragma clang loop unroll(full)
          for (int i = 0; i < CHANNEL_BLOCK; i++) {
            const float w = k[tap * CHANNEL_BLOCK + i];
            sums[i][0] += w * x0;
            sums[i][1] += w * x1;
            sums[i][2] += w * x2;
          }
        }
      }
#pragma clang loop unroll(full)
      for (int i = 0; i < CHANNEL_BLOCK; i++) {
        *(f32x16 *)(grid + i * positions + p) = sums[i][0];
        *(f32x16 *)(grid + i * positions + p + 16) = sums[i][1];
        *(f32x16 *)(grid + i * positions + p + 32) = sums[i][2];
      }
    }
    // The grid's rows without their two extra positions, plus the bias, through the ReLU.
    for (size_t i = 0; i < CHANNEL_BLOCK && b * CHANNEL_BLOCK + i < out_channels; i++) {
      const size_t o = b * CHANNEL_BLOCK + i;
      const float shift = bias ? bias[o] : 0;
      for (size_t y = 0; y < height; y++) {
        const float *row = grid + i * positions + y * stride;
        float *out = output + (o * height + y) * width;
        if (relu)
          for (size_t x = 0; x < width; x++) {
            const float v = row[x] + shift;
            out[x] = v < 0 ? 0 : v;
          }
        else
          for (size_t x = 0; x < width; x++) out[x] = row[x] + shift;
      }
    }
  }
}

size_t genrekit_conv3x3_weight_gradient_scratch(size_t in_channels, size_t out_channels, size_t height, size_t width) {
  const size_t blocks = (out_channels + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
  return in_channels * (height + 2) * (width + 2) + slack(width) + blocks * CHANNEL_BLOCK * grid_positions(height, width);
}

MULTIVERSIONED_WIDE void genrekit_conv3x3_weight_gradient(
    const float *input, size_t in_channels, size_t height, size_t width, const float *gradient, size_t out_channels,
    float *scratch, float *weight_gradient) {
  // On the grid the gradient is zero at the extra positions, so each sum runs over every
  // position: Σ_p grid[o][p] · padded[c][p + ky·stride + kx].
  const size_t stride = width + 2, plane = (height + 2) * stride, positions = grid_positions(height, width);
  const size_t blocks = (out_channels + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
  float *padded = scratch, *grid = scratch + in_channels * plane + slack(width);
  pad_planes(input, in_channels, height, width, padded);
  memset(grid, 0, blocks * CHANNEL_BLOCK * positions * sizeof(float));
  for (size_t o = 0; o < out_channels; o++)
    for (size_t y = 0; y < height; y++) memcpy(grid + o * positions + y * stride, gradient + (o * height + y) * width, width * sizeof(float));
  const f32x16 zero = {0};
  for (size_t b = 0; b < blocks; b++) {
    const float *g = grid + b * CHANNEL_BLOCK * positions;
    for (size_t c = 0; c < in_channels; c++)
      for (size_t ky = 0; ky < 3; ky++) {
        // Sixteen lanes of partial sums per output channel of the block and tap column.
        f32x16 sums[CHANNEL_BLOCK][3];
#pragma clang loop unroll(full)
        for (int i = 0; i < CHANNEL_BLOCK; i++) sums[i][0] = sums[i][1] = sums[i][2] = zero;
        const float *source = padded + c * plane + ky * stride;
        for (size_t p = 0; p < positions; p += 16) {
          const f32x16 x0 = *(const f32x16 *)(source + p), x1 = *(const f32x16 *)(source + p + 1), x2 = *(const f32x16 *)(source + p + 2);
#pragma clang loop unroll(full)
          for (int i = 0; i < CHANNEL_BLOCK; i++) {
            const f32x16 v = *(const f32x16 *)(g + i * positions + p);
            sums[i][0] += v * x0;
            sums[i][1] += v * x1;
            sums[i][2] += v * x2;
          }
        }
        for (size_t i = 0; i < CHANNEL_BLOCK && b * CHANNEL_BLOCK + i < out_channels; i++)
          for (int kx = 0; kx < 3; kx++) {
            const f32x16 v = sums[i][kx];
            const f32x8 half = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
            weight_gradient[((b * CHANNEL_BLOCK + i) * in_channels + c) * 9 + ky * 3 + kx] = TOTAL(half);
          }
      }
  }
}
