#ifndef GENREKIT_NETWORK_KERNELS_H
#define GENREKIT_NETWORK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The code of a pooling window whose maximum is not positive: after the ReLU it passes no gradient.
#define GENREKIT_POOL_NO_GRADIENT 255

/// Floats of scratch space the kernels below need for a `height` × `width` image.
size_t genrekit_conv_pool_scratch(size_t height, size_t width);

/// A 3 × 3 "same" convolution (cross-correlation, zero padding, stride 1) of one single-channel
/// `height` × `width` image into `channels` planes, each then through ReLU and 2 × 2 max pooling
/// (stride 2; a last odd row or column dropped):
///   conv[o][y][x] = bias[o] + Σ weights[o·9 + ky·3 + kx] · image[y + ky − 1][x + kx − 1]
/// (the taps added in the order (ky, kx), so every vector width gives the same bits), and
///   pooled[o][i][j] = max(0, conv[o][2i][2j], conv[o][2i][2j + 1], conv[o][2i + 1][2j], conv[o][2i + 1][2j + 1]).
/// When `codes` is not NULL, codes[o][i][j] is the window's first maximum in row-major order
/// (0–3), or GENREKIT_POOL_NO_GRADIENT where the maximum is not positive.
void genrekit_conv_pool_forward(
    const float *image, size_t height, size_t width, const float *weights, const float *bias, size_t channels,
    float *scratch, float *pooled, uint8_t *codes);

/// That pass's weight and bias gradients for one image, written (not added), from the gradient
/// of the loss by `pooled` and the forward pass's `codes`: each window's gradient goes to its
/// code's input, and weight_gradient[o·9 + ky·3 + kx] = Σ g[o][y][x] · image[y + ky − 1][x + kx − 1],
/// bias_gradient[o] = Σ g[o][y][x], summed in a fixed order.
void genrekit_conv_pool_weight_gradient(
    const float *image, size_t height, size_t width, const float *pooled_gradient, const uint8_t *codes,
    size_t channels, float *scratch, float *weight_gradient, float *bias_gradient);

/// Whether this CPU runs `genrekit_conv3x3_forward` with 512-bit vectors (AVX-512), where it is
/// faster than im2col and BLAS's AVX2 product; elsewhere it runs, slower, with narrower ones.
int genrekit_conv3x3_has_wide_vectors(void);

/// Floats `genrekit_conv3x3_pack` writes for `out_channels` × `in_channels` kernels.
size_t genrekit_conv3x3_packed_size(size_t out_channels, size_t in_channels, int transpose_flip);

/// Reorders 3 × 3 kernels `weights` (out × in × 3 × 3, PyTorch's layout) into blocks of eight
/// output channels for `genrekit_conv3x3_forward`. With `transpose_flip` non-zero, packs instead
/// the kernels of the input gradient: in × out × 3 × 3 with kernel'[c][o][ky][kx] =
/// weights[o][c][2 − ky][2 − kx] (a "same" convolution of the output's gradient with them is the
/// gradient of the input).
void genrekit_conv3x3_pack(const float *weights, size_t out_channels, size_t in_channels, int transpose_flip, float *packed);

/// Floats of scratch space `genrekit_conv3x3_forward` needs.
size_t genrekit_conv3x3_scratch(size_t in_channels, size_t height, size_t width);

/// A 3 × 3 "same" convolution (zero padding, stride 1) of one example, `in_channels` planes of
/// `height` × `width`, into `out_channels` planes: output[o][y][x] = (Σ over c, ky, kx, in that
/// order, of kernel[o][c][ky][kx] · input[c][y + ky − 1][x + kx − 1]) + bias[o] (0 when `bias` is
/// NULL), then max(·, 0) when `relu` is non-zero; `packed` from `genrekit_conv3x3_pack`.
void genrekit_conv3x3_forward(
    const float *input, size_t in_channels, size_t height, size_t width, const float *packed, const float *bias,
    size_t out_channels, int relu, float *scratch, float *output);

/// Floats of scratch space `genrekit_conv3x3_weight_gradient` needs.
size_t genrekit_conv3x3_weight_gradient_scratch(size_t in_channels, size_t out_channels, size_t height, size_t width);

/// That convolution's weight gradient for one example, written (not added):
/// weight_gradient[o][c][ky][kx] = Σ gradient[o][y][x] · input[c][y + ky − 1][x + kx − 1] over
/// (y, x), for `gradient` the loss's gradient by the output (before the bias and activation),
/// summed in a fixed order.
void genrekit_conv3x3_weight_gradient(
    const float *input, size_t in_channels, size_t height, size_t width, const float *gradient, size_t out_channels,
    float *scratch, float *weight_gradient);

#endif
