/// How a signal is extended beyond its ends before framing.
public enum PaddingMode: Sendable {
  /// numpy `reflect`: `… y[2] y[1] | y[0] … y[N-1] | y[N-2] …`, edge sample not repeated, periodic
  /// with period 2(N−1) when the pad is longer than the signal (librosa ≤ 0.8 STFT and RMS).
  case reflect
  /// Zeros (librosa ≥ 0.9 STFT and RMS).
  case constant
  /// Repeat the edge sample (zero-crossing rate, every librosa version).
  case edge
}

/// Index into a signal of length `count` for the padded position `index` (may be out of range).
@inline(__always)
func paddedIndex(_ index: Int, count: Int, mode: PaddingMode) -> Int? {
  if index >= 0 && index < count { return index }
  switch mode {
  case .constant:
    return nil
  case .edge:
    return index < 0 ? 0 : count - 1
  case .reflect:
    guard count > 1 else { return 0 }
    let period = 2 * (count - 1)
    var m = index % period
    if m < 0 { m += period }
    return m < count ? m : period - m
  }
}

/// scipy.ndimage `reflect` (half-sample symmetric: `d c b a | a b c d | d c b a`), periodic with
/// period 2L when the filter is longer than the axis. Used by the HPSS median filters.
@inline(__always)
func halfSampleSymmetricIndex(_ index: Int, count: Int) -> Int {
  let period = 2 * count
  var m = index % period
  if m < 0 { m += period }
  return m < count ? m : period - 1 - m
}
