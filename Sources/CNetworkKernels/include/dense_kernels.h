#ifndef GENREKIT_DENSE_KERNELS_H
#define GENREKIT_DENSE_KERNELS_H

#include <stddef.h>

// A dense layer's training passes on a batch, in double precision (the MLP's). Every product
// Σₖ aₖ·bₖ is one fused multiply-add per term, in the order of k, starting from zero, the same on
// every CPU. OpenBLAS's AVX2 and AVX-512 kernels sum most such products (all of the Spotify
// network's) that way too; for some shapes they do not, and the last bits differ.
// Matrices are row-major and contiguous. Where noted, an input is read in whole vectors of eight
// doubles, up to 7 doubles past its last row (allocate that much more); nothing is written past
// an output.

/// Doubles of scratch space each kernel below needs for a layer of `inputs` × `outputs`.
size_t genrekit_dense_scratch(size_t inputs, size_t outputs);

/// z[r][c] = activation((Σₖ x[r][k]·weights[k][c]) + bias[c]) for `rows` rows, `weights`
/// inputs × outputs; with `relu` non-zero the activation is v >= 0 ? v : 0, else none.
void genrekit_dense_forward_f64(
    const double *x, size_t rows, size_t inputs, const double *weights, const double *bias, size_t outputs, int relu,
    double *scratch, double *z);

/// gradient[i][c] = ((Σᵣ x[r][i]·delta[r][c]) + alpha·weights[i][c]) / rows: the batch mean of
/// the loss's gradient by the weights, with the L2 penalty's. `delta` (rows × outputs) is read in
/// whole vectors.
void genrekit_dense_weight_gradient_f64(
    const double *x, size_t rows, size_t inputs, const double *delta, size_t outputs, const double *weights, double alpha,
    double *scratch, double *gradient);

/// x_gradient[r][i] = (Σ_c delta[r][c]·weights[i][c]) · (x[r][i] > 0 ? scale : 0): the gradient by
/// the layer's input where that input is a ReLU's output (times inverted dropout's 1/keep), that is
/// by the previous layer's pre-activation; and column_sums[i] = Σᵣ x_gradient[r][i], summed in the
/// order of r from zero (the previous layer's bias gradient, before the mean). `x` (rows ×
/// inputs) is read in whole vectors.
void genrekit_dense_input_gradient_f64(
    const double *delta, size_t rows, size_t outputs, const double *weights, size_t inputs, const double *x, double scale,
    double *scratch, double *x_gradient, double *column_sums);

#endif
