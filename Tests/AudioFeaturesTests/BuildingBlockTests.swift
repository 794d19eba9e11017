import CFFTW
import CSlidingMedian
import CSpectralKernels
import Foundation
import Learning
import TestSupport
import Testing

@testable import AudioFeatures

/// Whole-matrix filters over `RowMedians` and `ColumnMedians` (HPSS streams them instead), 8 rows
/// per call as HPSS calls them.
extension MedianFilter {
  /// `out[r, c] = median(x[r − h ... r + h, c])`, h = window / 2, reflected at the first and last row.
  static func alongColumns(_ x: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
      x.withUnsafeBufferPointer { x in
        let medians = ColumnMedians(of: x.baseAddress!, rows: rows, columns: columns, window: window)
        for first in stride(from: 0, to: rows, by: lanes) {
          medians.next(min(lanes, rows - first), into: out.baseAddress! + first * columns)
        }
      }
      count = rows * columns
    }
  }

  /// `out[r, c] = median(x[r, c − h ... c + h])`, h = window / 2, reflected at the first and last column.
  static func alongRows(_ x: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
      x.withUnsafeBufferPointer { x in
        let medians = RowMedians(columns: columns, window: window)
        for first in stride(from: 0, to: rows, by: lanes) {
          medians.compute(
            rows: x.baseAddress! + first * columns, count: min(lanes, rows - first),
            into: out.baseAddress! + first * columns)
        }
      }
      count = rows * columns
    }
  }
}

@Suite struct BuildingBlockTests {
  /// Both filter directions against sorting every (reflect-extended) window, on shapes whose sides
  /// are not multiples of the kernel's 8 lanes, with few distinct values (many ties, the hard case
  /// for the insert/delete bookkeeping) and with many.
  @Test func medianFiltersEqualTheMedianOfEveryWindow() {
    var generator = SeededGenerator(seed: 7)
    for (rows, columns, window, distinctValues) in [
      (37, 45, 31, 5), (20, 70, 31, 1000), (9, 17, 3, 2), (16, 8, 5, 50), (3, 40, 31, 3), (1, 1, 31, 4),
      // Many of the 31-point kernel's blocks of 8 windows, and a partial last one, both ways; down
      // columns, each call of 8 rows continues from the state the one before left (per group of 8
      // columns: two groups and a left-over column in the last case).
      (9, 301, 31, 1 << 20), (301, 9, 31, 7), (120, 17, 31, 1 << 20),
    ] {
      let x = (0..<(rows * columns)).map { _ in Float(generator.next() % UInt64(distinctValues)) }
      // scipy's mode='reflect' (d c b a | a b c d | d c b a) built out explicitly: the line and its
      // mirror image repeat with period 2n, however far the window reaches.
      func bruteForce(along axisLength: Int, _ value: @escaping (_ line: Int, _ index: Int) -> Float) -> (Int, Int) -> Float {
        { line, index in
          let values = (0..<axisLength).map { value(line, $0) }
          let period = values + values.reversed()
          let window = (-(window / 2)...(window / 2)).map { period[((index + $0) % period.count + period.count) % period.count] }
          return window.sorted()[window.count / 2]
        }
      }
      let alongRow = bruteForce(along: columns) { r, c in x[r * columns + c] }
      let alongColumn = bruteForce(along: rows) { c, r in x[r * columns + c] }
      let expectedRows = (0..<(rows * columns)).map { alongRow($0 / columns, $0 % columns) }
      let expectedColumns = (0..<(rows * columns)).map { alongColumn($0 % columns, $0 / columns) }
      #expect(MedianFilter.alongRows(x, rows: rows, columns: columns, window: window) == expectedRows,
        "rows \(rows), columns \(columns), window \(window)")
      #expect(MedianFilter.alongColumns(x, rows: rows, columns: columns, window: window) == expectedColumns,
        "rows \(rows), columns \(columns), window \(window)")
    }
  }

  /// The FFT plans start from the wisdom GenreKit carries (`FFTWisdom`): FFTW must take it (it is
  /// that of Debian's FFTW 3.3.10, which scripts/install-system-packages installs) and plan from it
  /// exactly what its own search plans.
  @Test func fftWisdomGivesThePlansOfTheSearch() {
    func plans() -> [String] {
      [2048, 1024].flatMap { size in
        let real = fftw_alloc_real(size)!
        let complex = fftw_alloc_complex(size / 2 + 1)!
        let forward = fftw_plan_dft_r2c_1d(Int32(size), real, complex, UInt32(FFTW_ESTIMATE))!
        let inverse = fftw_plan_dft_c2r_1d(Int32(size), complex, real, UInt32(FFTW_ESTIMATE))!
        defer {
          fftw_destroy_plan(forward)
          fftw_destroy_plan(inverse)
          fftw_free(real)
          fftw_free(complex)
        }
        return [forward, inverse].map { plan in
          let text = fftw_sprint_plan(plan)!
          defer { free(text) }
          return String(cString: text)
        }
      }
    }
    RealFFT.withPlanner {
      fftw_forget_wisdom()
      let searched = plans()
      fftw_forget_wisdom()
      #expect(fftw_import_wisdom_from_string(FFTWisdom.estimatePlans) != 0, "FFTW did not take the wisdom")
      #expect(plans() == searched)
    }
  }

  /// numpy's median: the middle sorted value, or the float32 mean of the two middle ones.
  @Test func medianEqualsTheMiddleOfTheSortedValues() {
    var generator = SeededGenerator(seed: 11)
    for (count, distinctValues) in [(1, 3), (2, 3), (7, 2), (8, 2), (127, 3), (128, 3), (128, 1000), (130, 1)] {
      for _ in 0..<50 {
        var x = (0..<count).map { _ in Float(generator.next() % UInt64(distinctValues)) }
        let sorted = x.sorted()
        let expected = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
        #expect(x.withUnsafeMutableBufferPointer { median(reordering: $0) } == expected, "count \(count)")
      }
    }
  }

  /// The onset envelope ranks only the positive band increases and counts the rest as zeros; it
  /// must equal numpy's median of all 128 clipped increases, whether fewer than, exactly or more
  /// than half of the bands increase.
  @Test func onsetEnvelopeIsTheMedianOfTheClippedIncreases() {
    var generator = SeededGenerator(seed: 5)
    let frames = 40
    for risingShare in [0.1, 0.5, 0.9, 1.0] {
      let magnitude = (0..<(frames * Framing.binCount)).map { _ in Float.random(in: 0..<1, using: &generator) }
      var mel = MelDecibels(magnitude: magnitude, frames: frames)
      // Bands rise from frame to frame with the given probability (steps of mixed signs otherwise).
      for band in 0..<MelFilterBank.bandCount {
        for t in 1..<frames {
          let rises = Double.random(in: 0..<1, using: &generator) < risingShare
          let step = Float.random(in: 0.01..<3, using: &generator)
          mel.values[band * frames + t] = mel.values[band * frames + t - 1] + (rises ? step : -step)
        }
      }
      // Exactly half the bands rising in one frame: the median is half the smallest increase.
      for band in 0..<MelFilterBank.bandCount {
        mel.values[band * frames + 20] = mel.values[band * frames + 19] + (band % 2 == 0 ? Float(band + 1) : -1)
      }
      let envelope = Tempo.onsetEnvelope(mel)
      // Delayed by 3 frames: lag 1 and n_fft / (2 · hop) = 2 for centring.
      for u in 0..<(frames - 3) {
        let increases = (0..<MelFilterBank.bandCount).map { max(0, mel.values[$0 * frames + u + 1] - mel.values[$0 * frames + u]) }.sorted()
        #expect(envelope[u + 3] == (increases[63] + increases[64]) / 2, "rising share \(risingShare), frame \(u + 3)")
      }
      #expect(envelope[..<3].allSatisfy { $0 == 0 })
    }
  }

  /// The roll-off of eight frames at a time (lanes) equals numpy's cumsum in order, frame by frame,
  /// for a frame count that is not a multiple of eight.
  @Test func rolloffIsTheFirstBinReachingEightyFivePercent() {
    var generator = SeededGenerator(seed: 9)
    let frames = 13
    let bins = Framing.binCount
    var magnitude = (0..<(frames * bins)).map { _ in Float.random(in: 0..<1, using: &generator) }
    for k in 0..<bins { magnitude[5 * bins + k] = 0 }  // a silent frame: roll-off 0
    let shape = SpectralShape(magnitude: magnitude, frames: frames)
    for t in 0..<frames {
      var running: Float = 0
      let cumulative = (0..<bins).map { k in
        running += magnitude[t * bins + k]
        return running
      }
      let threshold = SpectralShape.rollPercent * running
      let expected = cumulative.firstIndex { $0 >= threshold }.map { Framing.binFrequency($0) } ?? 0
      #expect(shape.rolloff[t] == expected, "frame \(t)")
    }
  }

  /// MFCCs of eight frames at a time equal the coefficient sums over the bands in order, frame by
  /// frame, on either side of a multiple of eight frames.
  @Test func mfccSumsEachFrameInBandOrder() {
    var generator = SeededGenerator(seed: 3)
    for frames in [3, 16, 21] {
      let magnitude = (0..<(frames * Framing.binCount)).map { _ in Float.random(in: 0..<1, using: &generator) }
      let mel = MelDecibels(magnitude: magnitude, frames: frames)
      let coefficients = MFCC.coefficients(mel)
      for t in 0..<frames {
        for q in 0..<MFCC.coefficientCount {
          var sum = 0.0
          for j in 0..<MelFilterBank.bandCount { sum += MFCC.dctMatrix[j * MFCC.coefficientCount + q] * Double(mel.values[j * frames + t]) }
          #expect(coefficients[q][t] == Float(sum), "frames \(frames), frame \(t), coefficient \(q)")
        }
      }
    }
  }

  /// HPSS fed by the STFT as it runs (the 57 features' path, no complex values kept) equals HPSS
  /// of the stored STFT, bit for bit: for fewer frames than one median window, for a frame count
  /// that is not a multiple of the 8-frame blocks, and in both compatibility modes.
  @Test func streamedHPSSEqualsHPSSOfTheStoredSTFT() {
    var generator = SeededGenerator(seed: 17)
    for (samples, mode) in [(4_000, CompatibilityMode.kaggle), (30_000, .librosa), (66_149, .kaggle)] {
      let signal = (0..<samples).map { i in
        Float(0.5 * sin(Double(i) * 0.07)) + Float.random(in: -0.2..<0.2, using: &generator)
      }
      let streamed = FrameAnalysis(signal: signal, mode: mode, separatingHarmonics: true)
      let stored = FrameAnalysis(signal: signal, mode: mode)
      #expect(streamed.spectrogram.values == nil && stored.spectrogram.values != nil)
      #expect(streamed.spectrogram.magnitude == stored.spectrogram.magnitude)
      let (a, b) = (streamed.harmonicPercussive, stored.harmonicPercussive)
      #expect(a.harmonic == b.harmonic, "\(samples) samples, \(mode)")
      #expect(a.percussive == b.percussive, "\(samples) samples, \(mode)")
      #expect(a.harmonic.contains { $0 != 0 })
    }
  }

  /// The C kernel against the plain loop it replaced: the largest magnitude eight lanes at a
  /// time with the rest one by one, the thresholded neighbours, librosa 0.7's float32 refinement.
  @Test func tuningPeaksMatchAPlainLoop() {
    var generator = SeededGenerator(seed: 13)
    for bins in [13, 20, 1025] {
      for trial in 0..<20 {
        // Mostly small values, a few loud ones (the peaks, one of them sure), some exact ties,
        // sometimes the loudest in the last bin (after the last whole eight).
        var magnitude = (0..<bins).map { _ in Float.random(in: 0..<1, using: &generator) }
        for _ in 0..<(bins / 6) { magnitude[Int.random(in: 0..<bins, using: &generator)] = Float.random(in: 2..<20, using: &generator) }
        magnitude[bins / 3] = 20
        if trial % 3 == 0 { magnitude[bins - 1] = 21 }
        if trial % 4 == 1 { magnitude[bins / 2 + 1] = magnitude[bins / 2] }
        let (first, last) = (1, bins - 2)
        var expected: (pitches: [Float], heights: [Float]) = ([], [])
        let s = magnitude.map { $0 * $0 }
        let reference = Float(0.1) * (magnitude.max()! * magnitude.max()!)
        func thresholded(_ k: Int) -> Float { s[k] > reference ? s[k] : 0 }
        for k in first...last where thresholded(k) > thresholded(k - 1) && thresholded(k) >= thresholded(k + 1) {
          let average = 0.5 * (s[k + 1] - s[k - 1])
          let curvature = 2 * s[k] - s[k + 1] - s[k - 1]
          let shift = average / (curvature + (abs(curvature) < Float.leastNormalMagnitude ? 1 : 0))
          expected.pitches.append(Float((Double(k) + Double(shift)) * 22050 / 2048))
          expected.heights.append(s[k] + 0.5 * average * shift)
        }
        var (power, pitches, heights) = ([Float](repeating: 0, count: bins), [Float](repeating: 0, count: bins), [Float](repeating: 0, count: bins))
        let count = genrekit_tuning_peaks(magnitude, bins, first, last, 22050, 2048, &power, &pitches, &heights)
        #expect(!expected.pitches.isEmpty)
        #expect(Array(pitches[..<count]) == expected.pitches, "\(bins) bins, trial \(trial)")
        #expect(Array(heights[..<count]) == expected.heights, "\(bins) bins, trial \(trial)")
      }
    }
  }

  /// The decibel kernel's log10f against glibc's, to the bit, on every 1,021st float32 bit pattern
  /// (all 2^32 of them, in both the AVX2 and the baseline build, agreed when it was written), and
  /// its floor, factor, stride and a count that is not a multiple of its eight lanes.
  @Test(.enabled(if: cpuHasFusedMultiplyAdd, "glibc runs its FMA build of logf only with AVX2 and FMA"))
  func decibelsUseGlibcsLog10ToTheBit() {
    let x = stride(from: UInt64(0), to: 1 << 32, by: 1021).map { Float(bitPattern: UInt32($0)) }
    var out = [Float](repeating: 0, count: x.count)
    genrekit_decibels(x, x.count, 1, -.infinity, &out, 1)
    let wrong = x.indices.filter { i in
      let expected = log10(max(-Float.infinity, x[i]))
      return !(out[i].bitPattern == expected.bitPattern || (out[i].isNaN && expected.isNaN))
    }
    #expect(wrong.isEmpty, "\(wrong.count) values differ, first at x = \(wrong.first.map { x[$0] } ?? 0)")

    let power: [Float] = [0, 1e-12, .nan, 1, 100, 3e-3, .infinity, 7, 1e-10, 2e-10, 0.5]
    var columns = [Float](repeating: -1, count: 3 * power.count)
    genrekit_decibels(power, power.count, 10, 1e-10, &columns, 3)
    let expected = power.map { 10 * log10(max(Float(1e-10), $0)) }
    #expect(stride(from: 0, to: columns.count, by: 3).map { columns[$0] } == expected)
    #expect(columns.indices.filter { $0 % 3 != 0 }.allSatisfy { columns[$0] == -1 }, "only every third value is written")
    #expect(expected[0] == -100 && expected[2] == -100 && expected[3] == 0 && expected[6] == .infinity)
  }

  /// The mel kernel, eight frames side by side, against its stated order written out for one frame
  /// at a time: S² in float32, eight partial sums by position mod 8, added in lane order to −0, then
  /// the rest one by one; its decibels as `genrekit_decibels` makes them. Rows of 1 to 23 weights
  /// (none, one and two whole eights), a full block of eight frames and a partial one of three.
  @Test func filterBankDecibelsKeepEachFramesSummationOrder() {
    var generator = SeededGenerator(seed: 13)
    let (bins, lanes) = (40, 8)
    let lengths: [Int32] = [1, 7, 8, 9, 16, 17, 23, 3]
    let firstBin: [Int32] = [0, 2, 5, 11, 20, 23, 17, 37]
    let starts = lengths.indices.map { Int32(lengths[..<$0].reduce(0, +)) }
    let weights = (0..<Int(lengths.reduce(0, +))).map { _ in Float(generator.next() % 1_000_000) / 1e4 }
    for frames in [8, 3] {
      // Magnitudes of like size with full significands, where the order of additions shows in the
      // last bits, and some zero, for the floor.
      let magnitude = (0..<(frames * bins)).map { _ in generator.next() % 7 == 0 ? 0 : Float(generator.next() % (1 << 24)) / Float(1 << 22) }
      var expected = [Float](repeating: 0, count: lengths.count * frames)
      for t in 0..<frames {
        let power = magnitude[(t * bins)..<((t + 1) * bins)].map { $0 * $0 }
        var sums = [Float](repeating: 0, count: lengths.count)
        for r in lengths.indices {
          let (w, x, length) = (Int(starts[r]), Int(firstBin[r]), Int(lengths[r]))
          let whole = length / 8 * 8
          var partial = [Float](repeating: 0, count: 8)
          for i in 0..<whole { partial[i % 8] += weights[w + i] * power[x + i] }
          var sum: Float = -0.0
          for lane in 0..<8 { sum += partial[lane] }
          for i in whole..<length { sum += weights[w + i] * power[x + i] }
          sums[r] = sum
        }
        expected.withUnsafeMutableBufferPointer { genrekit_decibels(sums, sums.count, 10, 1e-10, $0.baseAddress! + t, frames) }
      }
      var block = [Float](repeating: .nan, count: bins * lanes)
      var out = [Float](repeating: .nan, count: lengths.count * frames)
      genrekit_interleave_x8(magnitude, bins, frames, bins, &block)
      genrekit_filter_bank_decibels_x8(&block, bins, weights, starts, firstBin, lengths, lengths.count, frames, 10, 1e-10, &out, frames)
      #expect(out.map(\.bitPattern) == expected.map(\.bitPattern), "\(frames) frames")
    }
  }

  /// Values from `scipy.ndimage.median_filter(..., mode='reflect')`.
  @Test func medianFilterUsesScipysReflectBoundary() {
    #expect(MedianFilter.alongRows([1, 5, 2], rows: 1, columns: 3, window: 3) == [1, 2, 2])
    #expect(MedianFilter.alongRows([1, 5, 2, 8, 3, 3, 0], rows: 1, columns: 7, window: 5) == [2, 2, 3, 3, 3, 3, 3])
    #expect(MedianFilter.alongColumns([1, 5, 2, 8, 3, 3, 0], rows: 7, columns: 1, window: 5) == [2, 2, 3, 3, 3, 3, 3])
    // Kernel longer than the axis: the extension repeats with period 2L.
    // [4, 1] extends to … 4 1 1 4 | 4 1 | 1 4 4 1 …
    #expect(MedianFilter.alongRows([4, 1], rows: 1, columns: 2, window: 9) == [4, 1])
  }

  /// Values from `numpy.pad`.
  @Test func paddingModesMatchNumpy() {
    func padded(_ x: [Float], by pad: Int, mode: PaddingMode) -> [Float] {
      (-pad..<(x.count + pad)).map { paddedIndex($0, count: x.count, mode: mode).map { x[$0] } ?? 0 }
    }
    #expect(padded([1, 2, 3], by: 4, mode: .reflect) == [1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3])
    #expect(padded([1, 2, 3], by: 2, mode: .edge) == [1, 1, 1, 2, 3, 3, 3])
    #expect(padded([1, 2, 3], by: 1, mode: .constant) == [0, 1, 2, 3, 0])
    #expect(padded([5], by: 2, mode: .reflect) == [5, 5, 5, 5, 5])
  }

  @Test func frameCountsOfGTZANClipsAndSegments() {
    #expect(Framing.frameCount(samples: 661_794) == 1293)
    #expect(Framing.frameCount(samples: 66_149) == 130)
  }

  @Test func threeSecondSegmentsFollowTheKaggleRule() throws {
    let segmentation = try #require(Segmentation(segmentSeconds: 3))
    let full = segmentation.pieces(sampleCount: 661_794, fileName: "blues.00000.wav")
    #expect(full.count == 10)
    #expect(full[0].name == "blues.00000.0.wav" && full[0].range == 0..<66_149)
    #expect(full[9].range == 595_350..<661_499)
    // Exactly 661500 samples: (9 + 1)·66150 is not < N, so only 9 rows (rock.00027).
    #expect(segmentation.pieces(sampleCount: 661_500, fileName: "rock.00027.wav").count == 9)
    #expect(segmentation.pieces(sampleCount: 66_150, fileName: "x.flac").isEmpty)
    #expect(Segmentation(segmentSeconds: 10) == .segments(stride: 220_500))
    #expect(Segmentation(segmentSeconds: 0) == nil && Segmentation(segmentSeconds: -3) == nil)
    #expect(Segmentation(segmentSeconds: 1e300) == nil && Segmentation(segmentSeconds: .nan) == nil)
  }

  /// Check values of feature-spec.md §3.1.
  @Test func melFilterBankMatchesLibrosa() {
    let bank = MelFilterBank.shared
    #expect(bank.firstBin[0] == 1 && bank.band(0).count == 4)
    #expect(abs(Double(bank.band(0).max()!) - 0.032365706) < 1e-9)
    let total = bank.weights.reduce(0.0) { $0 + Double($1) }
    #expect(abs(total - 11.88668) < 1e-5)
  }

  /// Check values of feature-spec.md §4.1 step 3.
  @Test func chromaFilterBankMatchesLibrosa() {
    let bank = Chroma.filterBank(tuning: 0)
    #expect(abs(bank.reduce(0.0) { $0 + Double($1) } - 666.29123) < 1e-4)
    let column1 = (0..<4).map { Double(bank[$0 * Framing.binCount + 1]) }
    for (value, expected) in zip(column1, [0.0015697, 0.0017672, 0.0019350, 0.0020606]) {
      #expect(abs(value - expected) < 1e-7)
    }
  }

  @Test func pitchTuningHistogram() {
    #expect(Chroma.pitchTuning([]) == 0)
    #expect(Chroma.pitchTuning([440, 880, 220]) == 0)
    // 9.5 cents flat: the residual −0.095 semitone lands in the bin [−0.1, −0.09).
    let flat = Float(440 * pow(2, -0.095 / 12))
    #expect(abs(Chroma.pitchTuning([flat, flat, 440]) - -0.1) < 1e-12)
  }

  @Test func meanAndPopulationVariance() {
    let stats = MeanVariance([1.0, 2, 3, 4])
    #expect(stats.mean == 2.5 && stats.variance == 1.25)
  }
}
