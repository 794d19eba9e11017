// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "GenreKit",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "genrekit", targets: ["genrekit"]),
    .library(name: "AudioFeatures", targets: ["AudioFeatures"]),
    .library(name: "TabularIO", targets: ["TabularIO"]),
    .library(name: "Learning", targets: ["Learning"]),
    .library(name: "TensorIO", targets: ["TensorIO"]),
    .library(name: "Figures", targets: ["Figures"]),
    .library(name: "Notebooks", targets: ["Notebooks"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
  ],
  targets: [
    // MARK: C libraries (Debian -dev packages; see README)
    .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
    .systemLibrary(name: "CFLAC", pkgConfig: "flac", providers: [.apt(["libflac-dev"])]),
    .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
    // libcsv ships no pkg-config file: the module map links "csv" directly.
    .systemLibrary(name: "CCSV", providers: [.apt(["libcsv-dev"])]),
    .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
    // glibc's malloc tuning (mallopt), which the Glibc module does not export.
    .systemLibrary(name: "CMalloc"),

    // MARK: Library modules
    // OpenBLAS and LAPACKE (Debian's libopenblas-dev, liblapacke-dev), loaded on first use: a
    // process that multiplies no matrices (extraction) does not pay for loading them.
    .target(name: "CBLASLAPACK", linkerSettings: [.linkedLibrary("dl")]),
    // The HPSS median filter kernel, in C for its AVX2 version chosen at run time.
    .target(name: "CSlidingMedian"),
    // The feature extractor's frame-wise loops, in C for their AVX2 versions chosen at run time.
    .target(name: "CSpectralKernels"),
    // Networks' kernels, in C for their AVX-512 and AVX2 versions chosen at run time: the direct
    // convolutions, the MLP's dense layers on a batch, Adam and gradient column sums.
    .target(name: "CNetworkKernels"),
    // The k-d tree's leaf distances, in C for its AVX-512 and AVX2 versions chosen at run time.
    .target(name: "CDistanceKernels"),
    // Row-by-row affine maps (predictions, logistic regression's training), eight rows per vector,
    // and softmax with glibc's exp eight values at a time.
    .target(name: "CAffineKernels"),
    .target(name: "TabularIO", dependencies: ["CCSV"]),
    .target(name: "TensorIO"),
    .target(
      name: "AudioFeatures",
      dependencies: ["CSndFile", "CFLAC", "CFFTW", "CSoxr", "CSlidingMedian", "CSpectralKernels", "TabularIO", "TensorIO"]),
    .target(name: "Learning", dependencies: ["CAffineKernels", "CBLASLAPACK", "CDistanceKernels", "CNetworkKernels", "TabularIO", "TensorIO"], resources: [.copy("Resources")]),
    // SVG charts from plain values: no model, no audio.
    .target(name: "Figures"),
    // Jupyter notebooks (nbformat 4.5) with embedded outputs.
    .target(name: "Notebooks"),
    // The one bridge from audio to model input (features, frame sequences, spectrograms).
    .target(name: "AudioBridge", dependencies: ["AudioFeatures", "Learning", "TabularIO", "TensorIO"]),

    // `genrekit serve`: the page to try a song, on Hummingbird.
    .target(
      name: "GenreKitServer",
      dependencies: [
        "AudioBridge", "AudioFeatures", "Figures", "Learning", "TabularIO",
        .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
      ]),

    // MARK: Command-line tool
    .executableTarget(
      name: "genrekit",
      dependencies: [
        "AudioFeatures", "AudioBridge", "Figures", "GenreKitServer", "Learning", "Notebooks", "TabularIO", "TensorIO", "CMalloc",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // The fuzz targets (bench/fuzz.sh builds them for libFuzzer; normally a replay tool).
    .executableTarget(
      name: "genrekit-fuzz",
      dependencies: ["AudioFeatures", "GenreKitServer", "Learning", "TabularIO", "TensorIO", .product(name: "NIOCore", package: "swift-nio")],
      path: "Sources/GenreKitFuzz"),

    // MARK: Tests
    // Helpers the test targets share (temporary folders removed at exit).
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "TabularIOTests", dependencies: ["TabularIO", "TestSupport"]),
    .testTarget(name: "TensorIOTests", dependencies: ["TensorIO"]),
    .testTarget(
      name: "AudioFeaturesTests", dependencies: ["AudioFeatures", "TabularIO", "TensorIO", "CFFTW", "CSndFile", "Learning", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "LearningTests", dependencies: ["CNetworkKernels", "Learning", "TabularIO", "TensorIO", "TestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "FiguresTests", dependencies: ["Figures"], resources: [.copy("Golden")]),
    .testTarget(name: "NotebooksTests", dependencies: ["Notebooks"]),
    .testTarget(
      name: "GenreKitServerTests",
      dependencies: [
        "AudioBridge", "GenreKitServer", "Learning", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
      ]),
    // Help/: the golden --help pages, read from the source tree (HelpGoldenTests).
    .testTarget(name: "GenreKitCLITests", dependencies: ["genrekit", "TabularIO", "TensorIO", "TestSupport"], exclude: ["Help"]),
  ]
)
