import CSpectralKernels
import Foundation
import Synchronization

/// `librosa.feature.chroma_stft(y, sr=22050)`: tuning estimated from the power spectrogram, a
/// 12-bin chroma filter bank shifted by that tuning, and each frame divided by its maximum.
enum Chroma {
  static let binsPerOctave = 12

  /// Chromagram of the power spectrogram `magnitude²`, frame-major `frames × 12` float32.
  static func chromagram(magnitude: [Float], frames: Int) -> [Float] {
    let bins = Framing.binCount
    let filters = sharedFilterBank(tuning: estimateTuning(magnitude: magnitude, frames: frames))
    var chroma = [Float](repeating: 0, count: frames * binsPerOctave)
    // raw[t, c] = Σ_k P[t, k] · W[c, k]
    filters.withUnsafeBufferPointer { w in
      forEachPowerFrame(of: magnitude, frames: frames) { t, power in
        chroma.withUnsafeMutableBufferPointer { chroma in
          genrekit_dot_rows(power, w.baseAddress!, bins, binsPerOctave, bins, chroma.baseAddress! + t * binsPerOctave)
        }
      }
    }
    for t in 0..<frames {
      let row = t * binsPerOctave
      let peak = chroma[row..<(row + binsPerOctave)].max() ?? 0
      guard peak >= Float.leastNormalMagnitude else { continue }
      for c in row..<(row + binsPerOctave) { chroma[c] /= peak }
    }
    return chroma
  }

  /// `estimate_tuning(S=P)` with P = `magnitude²`: note that librosa passes the *power* spectrogram
  /// where `piptrack` expects magnitudes. Peaks between 150 and 4000 Hz above 0.1 × the frame maximum are refined by
  /// parabolic interpolation; those at least as strong as the median peak vote in a 0.01-semitone
  /// histogram of deviations from equal temperament; the tuning is the left edge of the first
  /// fullest bin, in [−0.5, 0.49].
  static func estimateTuning(magnitude: [Float], frames: Int) -> Double {
    let bins = Framing.binCount
    let minFrequency = 150.0
    let maxFrequency = 4000.0
    // The bins from 150 Hz up to 4 kHz (consecutive: frequency grows with the bin).
    let candidateBins = (0..<bins).filter {
      Framing.binFrequency($0) >= minFrequency && Framing.binFrequency($0) < maxFrequency
    }
    let (first, last) = (candidateBins.first!, candidateBins.last!)
    var pitches = [Float]()
    var magnitudes = [Float]()
    // At most every other candidate is a peak.
    let mostPeaks = (last - first) / 2 + 1
    withUnsafeTemporaryAllocation(of: Float.self, capacity: bins + 2 * mostPeaks) { scratch in
      let (power, framePitches, frameHeights) = (scratch.baseAddress!, scratch.baseAddress! + bins, scratch.baseAddress! + bins + mostPeaks)
      magnitude.withUnsafeBufferPointer { magnitude in
        for t in 0..<frames {
          let count = genrekit_tuning_peaks(
            magnitude.baseAddress! + t * bins, bins, first, last, Double(Framing.sampleRate), Double(Framing.frameLength), power,
            framePitches, frameHeights)
          pitches.append(contentsOf: UnsafeBufferPointer(start: framePitches, count: count))
          magnitudes.append(contentsOf: UnsafeBufferPointer(start: frameHeights, count: count))
        }
      }
    }
    let voiced = pitches.indices.filter { pitches[$0] > 0 }
    guard !voiced.isEmpty else { return 0 }
    var voicedMagnitudes = voiced.map { magnitudes[$0] }
    let threshold = voicedMagnitudes.withUnsafeMutableBufferPointer { median(reordering: $0) }
    let selected = voiced.filter { magnitudes[$0] >= threshold }.map { pitches[$0] }
    return pitchTuning(selected)
  }

  /// `pitch_tuning(frequencies, resolution=0.01)`; 0 when there is no positive frequency.
  static func pitchTuning(_ frequencies: [Float]) -> Double {
    guard frequencies.contains(where: { $0 > 0 }) else { return 0 }
    let resolution = 0.01
    let binCount = Int((1 / resolution).rounded(.up))
    var counts = [Int](repeating: 0, count: binCount)
    let edges = (0...binCount).map { $0 == binCount ? 0.5 : Double($0) * resolution - 0.5 }
    for f in frequencies where f > 0 {
      // float32 like librosa: 12·log2(f / (440/16)) mod 1, folded into [−0.5, 0.5).
      var residual = Float(binsPerOctave) * log2(f / Float(440.0 / 16))
      residual = floorRemainder(residual, 1)
      if residual >= 0.5 { residual -= 1 }
      let r = Double(residual)
      guard r >= -0.5 && r <= 0.5 else { continue }
      var bin = min(Int((r + 0.5) * Double(binCount)), binCount - 1)
      if r < edges[bin] { bin -= 1 }
      if bin < binCount - 1 && r >= edges[bin + 1] { bin += 1 }
      counts[bin] += 1
    }
    return edges[counts.firstIndex(of: counts.max()!)!]
  }

  /// Filter banks by tuning, each made once per process: a tuning is one of the 100 edges of the
  /// 0.01-semitone histogram (or 0), so clips and a clip's segments share them (at most 4.9 MB).
  private static let filterBanks = Mutex<[Double: [Float]]>([:])

  /// `filterBank(tuning:)`, made at the first use of each tuning.
  static func sharedFilterBank(tuning: Double) -> [Float] {
    if let bank = filterBanks.withLock({ $0[tuning] }) { return bank }
    let bank = filterBank(tuning: tuning)
    filterBanks.withLock { $0[tuning] = bank }
    return bank
  }

  /// `librosa.filters.chroma(sr=22050, n_fft=2048, tuning)`: Gaussian bumps in log-frequency per
  /// pitch class, L2-normalised per FFT bin, weighted around octave 5, row 0 = C. `12 × 1025` float32.
  static func filterBank(tuning: Double) -> [Float] {
    let n = Framing.frameLength
    let chroma = binsPerOctave
    // librosa makes all n columns and keeps the non-negative frequencies' 1025; each column is
    // normalised on its own, so only those are made (and the next bin's position, for the width).
    let bins = Framing.binCount
    let a440 = 440.0 * pow(2.0, tuning / Double(chroma))
    var octaveBins = [Double](repeating: 0, count: bins + 1)
    for j in 1...bins {
      let f = Double(j) * Double(Framing.sampleRate) / Double(n)
      octaveBins[j] = Double(chroma) * log2(f / (a440 / 16))
    }
    octaveBins[0] = octaveBins[1] - 1.5 * Double(chroma)
    let binWidth = (0..<bins).map { max(octaveBins[$0 + 1] - octaveBins[$0], 1) }
    let halfChroma = (Double(chroma) / 2).rounded()
    var weights = [Double](repeating: 0, count: chroma * bins)
    for j in 0..<bins {
      var norm = 0.0
      for c in 0..<chroma {
        let shifted = octaveBins[j] - Double(c) + halfChroma + 10 * Double(chroma)
        let d = floorRemainder(shifted, Double(chroma)) - halfChroma
        let w = exp(-0.5 * pow(2 * d / binWidth[j], 2))
        weights[c * bins + j] = w
        norm += w * w
      }
      let octaveWeight = exp(-0.5 * pow((octaveBins[j] / Double(chroma) - 5) / 2, 2))
      for c in 0..<chroma { weights[c * bins + j] = weights[c * bins + j] / norm.squareRoot() * octaveWeight }
    }
    // Roll so that row 0 is C (base_c).
    var out = [Float](repeating: 0, count: chroma * bins)
    for c in 0..<chroma {
      for k in 0..<bins { out[c * bins + k] = Float(weights[((c + 3) % chroma) * bins + k]) }
    }
    return out
  }
}

/// numpy's `remainder`: the result has the sign of the divisor (exact, via fmod).
func floorRemainder<T: BinaryFloatingPoint>(_ x: T, _ divisor: T) -> T {
  let r = x.truncatingRemainder(dividingBy: divisor)
  return r != 0 && (r < 0) != (divisor < 0) ? r + divisor : r
}
