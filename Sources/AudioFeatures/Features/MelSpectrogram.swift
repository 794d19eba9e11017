import CSpectralKernels
import Foundation

/// The Slaney-style mel filter bank (`librosa.filters.mel(sr=22050, n_fft=2048, n_mels=128,
/// norm='slaney')`), stored sparsely: each band is non-zero on a short run of FFT bins.
struct MelFilterBank: Sendable {
  static let bandCount = 128
  static let shared = MelFilterBank()

  /// Every band's weights back to back: band i's are `weights[start[i] ..< start[i] + length[i]]`,
  /// for bins `firstBin[i] ..< firstBin[i] + length[i]`.
  let weights: [Float]
  let start: [Int32]
  let firstBin: [Int32]
  let length: [Int32]

  func band(_ i: Int) -> ArraySlice<Float> { weights[Int(start[i])..<Int(start[i] + length[i])] }

  // The Slaney mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
  private static let hertzPerMel = 200.0 / 3
  private static let minLogHz = 1000.0
  private static let minLogMel = minLogHz / hertzPerMel
  private static let logStep = log(6.4) / 27.0

  static func hzToMel(_ f: Double) -> Double {
    f >= minLogHz ? minLogMel + log(f / minLogHz) / logStep : f / hertzPerMel
  }

  static func melToHz(_ m: Double) -> Double {
    m >= minLogMel ? minLogHz * exp(logStep * (m - minLogMel)) : hertzPerMel * m
  }

  private init() {
    let bands = MelFilterBank.bandCount
    let bins = Framing.binCount
    // numpy linspace: start + i·step, with the last point exactly the stop value.
    let minMel = MelFilterBank.hzToMel(0)
    let maxMel = MelFilterBank.hzToMel(Double(Framing.sampleRate) / 2)
    let step = (maxMel - minMel) / Double(bands + 1)
    let melF = (0..<(bands + 2)).map { i in
      MelFilterBank.melToHz(i == bands + 1 ? maxMel : Double(i) * step + minMel)
    }
    let binHertz = Framing.binFrequency(1)
    var (weights, start, firstBin, length) = ([Float](), [Int32](), [Int32](), [Int32]())
    for i in 0..<bands {
      let lowerWidth = melF[i + 1] - melF[i]
      let upperWidth = melF[i + 2] - melF[i + 1]
      let areaNorm = 2.0 / (melF[i + 2] - melF[i])
      // A weight is 0 outside melF[i] < f < melF[i + 2]: only the bins there (and one more on each
      // side, against rounding) are computed.
      let candidates = max(0, Int(melF[i] / binHertz) - 1)...min(bins - 1, Int(melF[i + 2] / binHertz) + 1)
      let row = candidates.map { k in
        let f = Framing.binFrequency(k)
        let lower = -(melF[i] - f) / lowerWidth
        let upper = (melF[i + 2] - f) / upperWidth
        let w = Float(max(0, min(lower, upper)))
        return Float(Double(w) * areaNorm)
      }
      let first = row.firstIndex { $0 != 0 } ?? 0
      let last = row.lastIndex { $0 != 0 } ?? 0
      start.append(Int32(weights.count))
      firstBin.append(Int32(candidates.lowerBound + first))
      length.append(Int32(last - first + 1))
      weights.append(contentsOf: row[first...last])
    }
    (self.weights, self.start, self.firstBin, self.length) = (weights, start, firstBin, length)
  }
}

/// Log-mel spectrogram in decibels: `power_to_db(melspectrogram(S=|X|²), ref=1, amin=1e-10,
/// top_db=80)`, band-major `128 × frames` float32. Shared by MFCC and onset strength.
struct MelDecibels {
  let frames: Int
  var values: [Float]

  static let topDecibels: Float = 80

  /// - Parameter magnitude: `|X|`, frame-major; the mel bands sum its square.
  init(magnitude: [Float], frames: Int) {
    let bank = MelFilterBank.shared
    let (bands, bins) = (MelFilterBank.bandCount, Framing.binCount)
    var values = [Float](repeating: 0, count: bands * frames)
    values.withUnsafeMutableBufferPointer { out in
      // Eight frames at a time, side by side: 10·log10(max(1e-10, Σ weights · S²)) of every band,
      // into columns first ..< first + 8.
      forEachFrameBlock(of: magnitude, frames: frames) { first, count, block in
        block.withMemoryRebound(to: Float.self, capacity: bins * 8) {
          genrekit_filter_bank_decibels_x8(
            $0, bins, bank.weights, bank.start, bank.firstBin, bank.length, bands, count, 10, 1e-10, out.baseAddress! + first, frames)
        }
      }
      // The clamp uses the global maximum over the whole clip or segment.
      let floor = (out.max() ?? 0) - MelDecibels.topDecibels
      for i in 0..<out.count where out[i] < floor { out[i] = floor }
    }
    self.frames = frames
    self.values = values
  }
}

/// MFCC: DCT-II (orthonormal) of the log-mel spectrogram along the band axis, the first `count`
/// coefficients (`librosa.feature.mfcc(n_mfcc=count)`; the GTZAN features use 20),
/// coefficient-major `count × frames` float32.
enum MFCC {
  static let coefficientCount = 20
  static let dctMatrix = dct(count: coefficientCount)

  /// The orthonormal DCT-II matrix's first `count` rows, stored band-major, `dct[j · count + q]`
  /// (each coefficient summed over the bands in order).
  static func dct(count coefficientCount: Int) -> [Double] {
    let n = MelFilterBank.bandCount
    var m = [Double](repeating: 0, count: n * coefficientCount)
    for q in 0..<coefficientCount {
      let scale = q == 0 ? (1 / Double(n)).squareRoot() : (2 / Double(n)).squareRoot()
      for j in 0..<n {
        m[j * coefficientCount + q] = scale * cos(Double.pi * Double(q) * Double(2 * j + 1) / Double(2 * n))
      }
    }
    return m
  }

  static func coefficients(_ mel: MelDecibels, count coefficientCount: Int = MFCC.coefficientCount) -> [[Float]] {
    let dctMatrix = coefficientCount == MFCC.coefficientCount ? MFCC.dctMatrix : dct(count: coefficientCount)
    let frames = mel.frames
    let flat = [Float](unsafeUninitializedCapacity: coefficientCount * frames) { out, initialized in
      genrekit_mfcc(mel.values, MelFilterBank.bandCount, frames, dctMatrix, coefficientCount, out.baseAddress!)
      initialized = coefficientCount * frames
    }
    return (0..<coefficientCount).map { Array(flat[($0 * frames)..<(($0 + 1) * frames)]) }
  }
}
