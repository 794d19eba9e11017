#ifndef GENREKIT_BLAS_LAPACK_H
#define GENREKIT_BLAS_LAPACK_H

// The few BLAS and LAPACK routines GenreKit calls, from Debian's OpenBLAS (libopenblas.so.0) and
// LAPACKE (liblapacke.so.3), loaded on the first call rather than linked: a process that never
// multiplies matrices (feature extraction, one per clip in a job array) then does not pay for
// loading them (4 ms of a 15-ms start, on 2026-12-06's VM) nor for OpenBLAS's thread pool.
// OpenBLAS runs on one thread (see LinearAlgebra in Learning). A library that cannot be loaded
// stops the process with a message naming it.

/// cblas_dgemm, row-major: c = a'·b' + beta·c, with a' = aᵀ when `transpose_a` (m × k) and b' =
/// bᵀ when `transpose_b` (k × n); rows lda, ldb, ldc apart.
void genrekit_dgemm(
    int transpose_a, int transpose_b, int m, int n, int k, const double *a, int lda, const double *b, int ldb, double beta,
    double *c, int ldc);

/// The same in single precision (cblas_sgemm).
void genrekit_sgemm(
    int transpose_a, int transpose_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c,
    int ldc);

/// LAPACKE_dsyevd, row-major, from the upper triangle of the n × n matrix `a`: the eigenvalues
/// in `w` (ascending) and the eigenvectors in the columns of `a`. Returns LAPACK's info (0: done).
int genrekit_dsyevd(int n, double *a, double *w);

/// The kernels OpenBLAS chose for this CPU (openblas_get_corename: `SkylakeX`, `Haswell`, …).
const char *genrekit_blas_kernels(void);

#endif
