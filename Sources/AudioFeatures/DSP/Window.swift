import Foundation

/// Periodic Hann window, `w[n] = 0.5 − 0.5·cos(2πn/length)` (scipy `get_window('hann', n, fftbins=True)`).
func periodicHann(_ length: Int) -> [Double] {
  (0..<length).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(length)) }
}
