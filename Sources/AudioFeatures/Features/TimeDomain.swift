/// Frame-wise features computed directly on the samples.
enum TimeDomain {
  /// `librosa.feature.rms`: `sqrt(mean(frame²))` over 2048 unwindowed samples per centred frame.
  static func rms(_ signal: [Float], padding: PaddingMode) -> [Float] {
    let n = Framing.frameLength
    let frames = Framing.frameCount(samples: signal.count)
    let y = padded(signal, by: n / 2, mode: padding)
    return y.withUnsafeBufferPointer { y in
      (0..<frames).map { t in
        var sum = 0.0
        for i in (t * Framing.hopLength)..<(t * Framing.hopLength + n) {
          sum += Double(y[i] * y[i])
        }
        return Float(sum / Double(n)).squareRoot()
      }
    }
  }

  /// `librosa.feature.zero_crossing_rate`: frames padded with the edge sample; |x| ≤ 1e-10 counts
  /// as +0; a crossing is a sign-bit change between neighbours; the count is divided by 2048.
  static func zeroCrossingRate(_ signal: [Float]) -> [Double] {
    let n = Framing.frameLength
    let frames = Framing.frameCount(samples: signal.count)
    let signs = padded(signal, by: n / 2, mode: .edge).map { abs($0) > 1e-10 && $0.sign == .minus }
    return signs.withUnsafeBufferPointer { s in
      (0..<frames).map { t in
        let start = t * Framing.hopLength
        var crossings = 0
        for i in (start + 1)..<(start + n) where s[i] != s[i - 1] { crossings += 1 }
        return Double(crossings) / Double(n)
      }
    }
  }
}
