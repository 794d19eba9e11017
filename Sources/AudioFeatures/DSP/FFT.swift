import CFFTW
import Foundation

/// A real-input FFT of one fixed size (forward r2c and unnormalised inverse c2r), planned once per
/// process and shared by every thread.
///
/// Plans use `FFTW_ESTIMATE`, never `FFTW_MEASURE`: a measured plan may pick a different algorithm
/// from one run to the next, and a last-bit change can flip a tempo or tuning decision.
/// Only the planner is not thread-safe, so planning is serialised; executing a plan on other
/// (equally aligned) buffers is thread-safe.
final class RealFFT: @unchecked Sendable {
  let size: Int
  var binCount: Int { size / 2 + 1 }
  private let forwardPlan: fftw_plan
  private let inversePlan: fftw_plan

  private static let plannerLock = NSLock()

  static let frame2048 = RealFFT(size: 2048)
  static let frame1024 = RealFFT(size: 1024)

  private init(size: Int) {
    self.size = size
    let buffers = FFTBuffers(size: size)
    RealFFT.plannerLock.lock()
    defer { RealFFT.plannerLock.unlock() }
    forwardPlan = fftw_plan_dft_r2c_1d(
      Int32(size), buffers.real, buffers.complex, UInt32(FFTW_ESTIMATE))
    inversePlan = fftw_plan_dft_c2r_1d(
      Int32(size), buffers.complex, buffers.real, UInt32(FFTW_ESTIMATE))
  }

  /// `buffers.complex = rfft(buffers.real)` (no scaling).
  func forward(_ buffers: FFTBuffers) {
    fftw_execute_dft_r2c(forwardPlan, buffers.real, buffers.complex)
  }

  /// `buffers.real = size · irfft(buffers.complex)`: unnormalised; overwrites `buffers.complex`.
  func inverse(_ buffers: FFTBuffers) {
    fftw_execute_dft_c2r(inversePlan, buffers.complex, buffers.real)
  }
}

/// SIMD-aligned scratch buffers for one `RealFFT` size; one per thread, reused for every frame.
final class FFTBuffers {
  let real: UnsafeMutablePointer<Double>
  let complex: UnsafeMutablePointer<fftw_complex>

  init(size: Int) {
    real = fftw_alloc_real(size)
    complex = fftw_alloc_complex(size / 2 + 1)
  }

  deinit {
    fftw_free(real)
    fftw_free(complex)
  }
}
