// Loads OpenBLAS and LAPACKE on the first call (see the header) and forwards to them.

#include "blas_lapack.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

// CBLAS's enum values (cblas.h): the routines are looked up, not declared from its header.
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
enum { LAPACK_ROW_MAJOR = 101 };

typedef void (*dgemm_function)(int, int, int, int, int, int, double, const double *, int, const double *, int, double, double *, int);
typedef void (*sgemm_function)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef int (*dsyevd_function)(int, char, char, int, double *, int, double *);

static struct {
  dgemm_function dgemm;
  sgemm_function sgemm;
  dsyevd_function dsyevd;
  char *(*corename)(void);
} library;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void *open_library(const char *name) {
  // Local: OpenBLAS's exported names stay out of the process's global scope.
  void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    fprintf(stderr, "genrekit: cannot load %s, which matrix products need: %s (scripts/install-system-packages installs it)\n", name,
            dlerror());
    exit(1);
  }
  return handle;
}

static void *find(void *handle, const char *library_name, const char *symbol) {
  void *address = dlsym(handle, symbol);
  if (!address) {
    fprintf(stderr, "genrekit: %s has no %s\n", library_name, symbol);
    exit(1);
  }
  return address;
}

static void load(void) {
  void *openblas = open_library("libopenblas.so.0");
  void *lapacke = open_library("liblapacke.so.3");
  library.dgemm = (dgemm_function)find(openblas, "libopenblas.so.0", "cblas_dgemm");
  library.sgemm = (sgemm_function)find(openblas, "libopenblas.so.0", "cblas_sgemm");
  library.corename = (char *(*)(void))find(openblas, "libopenblas.so.0", "openblas_get_corename");
  library.dsyevd = (dsyevd_function)find(lapacke, "liblapacke.so.3", "LAPACKE_dsyevd");
  // One thread: OpenBLAS splits some sums differently with more, and GenreKit parallelises over
  // disjoint outputs itself, so that no result depends on the thread count.
  void (*set_threads)(int) = (void (*)(int))find(openblas, "libopenblas.so.0", "openblas_set_num_threads");
  set_threads(1);
}

void genrekit_dgemm(
    int transpose_a, int transpose_b, int m, int n, int k, const double *a, int lda, const double *b, int ldb, double beta,
    double *c, int ldc) {
  pthread_once(&loaded, load);
  library.dgemm(
      CBLAS_ROW_MAJOR, transpose_a ? CBLAS_TRANS : CBLAS_NO_TRANS, transpose_b ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k, 1, a, lda, b, ldb,
      beta, c, ldc);
}

void genrekit_sgemm(
    int transpose_a, int transpose_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c,
    int ldc) {
  pthread_once(&loaded, load);
  library.sgemm(
      CBLAS_ROW_MAJOR, transpose_a ? CBLAS_TRANS : CBLAS_NO_TRANS, transpose_b ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k, 1, a, lda, b, ldb,
      beta, c, ldc);
}

int genrekit_dsyevd(int n, double *a, double *w) {
  pthread_once(&loaded, load);
  return library.dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, a, n, w);
}

const char *genrekit_blas_kernels(void) {
  pthread_once(&loaded, load);
  return library.corename();
}
