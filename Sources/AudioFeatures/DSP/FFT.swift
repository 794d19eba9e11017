import CFFTW
import Foundation

/// A real-input FFT of one fixed size (forward r2c and unnormalised inverse c2r), planned once per
/// process and shared by every thread.
///
/// Plans use `FFTW_ESTIMATE`, never `FFTW_MEASURE`: a measured plan may pick a different algorithm
/// from one run to the next, and a last-bit change can flip a tempo or tuning decision.
/// Only the planner is not thread-safe, so planning is serialised; executing a plan on other
/// (equally aligned) buffers is thread-safe. The planner starts from `FFTWisdom`, what its search
/// found for these plans, instead of searching in every process.
final class RealFFT: @unchecked Sendable {
  let size: Int
  var binCount: Int { size / 2 + 1 }
  private let forwardPlan: fftw_plan
  private let inversePlan: fftw_plan

  private static let plannerLock = NSLock()
  /// Gives FFTW the wisdom once, at the first plan, with the planner lock held. Another version or
  /// build of FFTW refuses it and plans as it would have.
  private static let importWisdom: Void = { _ = fftw_import_wisdom_from_string(FFTWisdom.estimatePlans) }()

  static let frame2048 = RealFFT(size: 2048)
  static let frame1024 = RealFFT(size: 1024)

  private init(size: Int) {
    self.size = size
    let buffers = FFTBuffers(size: size)
    (forwardPlan, inversePlan) = RealFFT.withPlanner {
      RealFFT.importWisdom
      return (
        fftw_plan_dft_r2c_1d(Int32(size), buffers.real, buffers.complex, UInt32(FFTW_ESTIMATE)),
        fftw_plan_dft_c2r_1d(Int32(size), buffers.complex, buffers.real, UInt32(FFTW_ESTIMATE))
      )
    }
  }

  /// Runs `body` with the planner to itself (FFTW's planner and its wisdom are process-wide).
  static func withPlanner<T>(_ body: () throws -> T) rethrows -> T {
    plannerLock.lock()
    defer { plannerLock.unlock() }
    return try body()
  }

  /// `buffers.complex = rfft(buffers.real)` (no scaling); `buffers.real` is left as it was (FFTW
  /// preserves the input of an out-of-place real-input transform).
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
