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

#endif
