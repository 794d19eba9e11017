import Foundation

/// A continuous scale from a data domain to pixels, with d3's nice ticks.
///
/// Ticks follow d3-array's `ticks` (src/ticks.js): the step is snapped to 1, 2, 5 or 10 times a
/// power of ten at √2, √10 and √50, and a tick is `(i1 + i) / -inc` for negative powers, so that
/// 0.3 is 3/10 and not 3 · 0.1. `niced` is d3-scale's `linear.nice` (src/linear.js).
public struct LinearScale: Sendable, Equatable {
  public var domain: ClosedRange<Double>
  /// The pixel positions of the domain's lower and upper ends (upper may be the smaller: y axes).
  public var lower: Double
  public var upper: Double

  public init(domain: ClosedRange<Double>, range lower: Double, _ upper: Double) {
    self.domain = domain
    self.lower = lower
    self.upper = upper
  }

  /// The domain around `values`, widened a little when they are all equal.
  public static func domain(of values: some Sequence<Double>, including extra: [Double] = []) -> ClosedRange<Double> {
    let finite = (Array(values) + extra).filter(\.isFinite)
    guard let low = finite.min(), let high = finite.max() else { return 0...1 }
    if low == high { return (low - max(1, abs(low) * 0.1))...(high + max(1, abs(high) * 0.1)) }
    return low...high
  }

  public func callAsFunction(_ value: Double) -> Double {
    let span = domain.upperBound - domain.lowerBound
    let t = span == 0 ? 0.5 : (value - domain.lowerBound) / span
    return lower + t * (upper - lower)
  }

  public func ticks(count: Int) -> [Double] { Self.ticks(domain.lowerBound, domain.upperBound, count: count) }

  /// The domain extended to round values at the tick step for `count` ticks.
  public func niced(count: Int) -> LinearScale {
    var (start, stop) = (domain.lowerBound, domain.upperBound)
    var previous: Double?
    for _ in 0..<10 {
      let step = Self.spec(start, stop, count: Double(count)).increment
      if step == previous { break }
      if step > 0 {
        start = (start / step).rounded(.down) * step
        stop = (stop / step).rounded(.up) * step
      } else if step < 0 {
        start = (start * step).rounded(.up) / step
        stop = (stop * step).rounded(.down) / step
      } else {
        break
      }
      previous = step
    }
    return LinearScale(domain: start...stop, range: lower, upper)
  }

  /// Tick labels with the precision of the tick step (d3-scale's `tickFormat`: `precisionFixed`).
  public func tickLabels(count: Int) -> [(value: Double, label: String)] {
    let ticks = ticks(count: count)
    let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : 1
    let decimals = max(0, -Int(log10(step).rounded(.down)))
    return ticks.map { ($0, Self.format($0, decimals: decimals)) }
  }

  static func format(_ value: Double, decimals: Int) -> String {
    let text = String(format: "%.\(decimals)f", value)
    // No "-0" label.
    return Double(text) == 0 ? String(format: "%.\(decimals)f", 0.0) : text
  }

  static func ticks(_ start: Double, _ stop: Double, count: Int) -> [Double] {
    guard count > 0, start.isFinite, stop.isFinite else { return [] }
    if start == stop { return [start] }
    let spec = spec(min(start, stop), max(start, stop), count: Double(count))
    guard spec.last >= spec.first else { return [] }
    let values = (spec.first...spec.last).map { i in spec.increment < 0 ? Double(i) / -spec.increment : Double(i) * spec.increment }
    return stop < start ? values.reversed() : values
  }

  /// d3's `tickSpec`: the first and last tick indices and the increment (negative: 1/step).
  static func spec(_ start: Double, _ stop: Double, count: Double) -> (first: Int, last: Int, increment: Double) {
    let step = (stop - start) / max(0, count)
    let power = log10(step).rounded(.down)
    let error = step / pow(10, power)
    let factor: Double = error >= 50.0.squareRoot() ? 10 : error >= 10.0.squareRoot() ? 5 : error >= 2.0.squareRoot() ? 2 : 1
    var first: Int
    var last: Int
    var increment: Double
    if power < 0 {
      increment = pow(10, -power) / factor
      first = Int((start * increment).rounded())
      last = Int((stop * increment).rounded())
      if Double(first) / increment < start { first += 1 }
      if Double(last) / increment > stop { last -= 1 }
      increment = -increment
    } else {
      increment = pow(10, power) * factor
      first = Int((start / increment).rounded())
      last = Int((stop / increment).rounded())
      if Double(first) * increment < start { first += 1 }
      if Double(last) * increment > stop { last -= 1 }
    }
    if last < first && 0.5 <= count && count < 2 { return spec(start, stop, count: count * 2) }
    return (first, last, increment)
  }
}

/// d3-scale's band scale (src/band.js): `count` equal bands over a pixel range, with inner and
/// outer padding as fractions of the step.
public struct BandScale: Sendable, Equatable {
  public let count: Int
  public let step: Double
  public let bandwidth: Double
  let start: Double

  public init(count: Int, range lower: Double, _ upper: Double, paddingInner: Double = 0.1, paddingOuter: Double = 0.1) {
    self.count = count
    let n = Double(count)
    step = (upper - lower) / max(1, n - paddingInner + paddingOuter * 2)
    start = lower + (upper - lower - step * (n - paddingInner)) * 0.5
    bandwidth = step * (1 - paddingInner)
  }

  /// The band's start.
  public func callAsFunction(_ index: Int) -> Double { start + step * Double(index) }

  public func center(_ index: Int) -> Double { self(index) + bandwidth / 2 }
}
