import Foundation

/// An sRGB colour.
public struct Colour: Sendable, Equatable, Hashable {
  public var red: UInt8
  public var green: UInt8
  public var blue: UInt8

  public init(_ hex: UInt32) {
    red = UInt8((hex >> 16) & 0xFF)
    green = UInt8((hex >> 8) & 0xFF)
    blue = UInt8(hex & 0xFF)
  }

  public init(red: UInt8, green: UInt8, blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// `#rrggbb`.
  public var hex: String {
    "#" + [red, green, blue].map { String($0, radix: 16).leftPadded(to: 2) }.joined()
  }

  /// Relative luminance (WCAG), to choose black or white text on a fill.
  public var luminance: Double {
    func linear(_ c: UInt8) -> Double {
      let v = Double(c) / 255
      return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
    }
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
  }

  /// Legible text on this fill.
  public var textColour: Colour { luminance > 0.3 ? .ink : .white }

  public static let ink = Colour(0x222222)
  public static let axis = Colour(0x555555)
  public static let grid = Colour(0xE6E6E6)
  public static let white = Colour(0xFFFFFF)
  public static let faint = Colour(0x999999)
}

extension String {
  func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// Colour-blind-safe colours.
public enum Palette {
  /// Okabe & Ito's categorical palette (without black), for up to 7 classes or series.
  public static let okabeIto: [Colour] = [0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0x56B4E9, 0xCC79A7, 0xF0E442].map(Colour.init)
  /// Paul Tol's "muted" palette and a dark grey, for 8 to 10 classes (GTZAN's ten genres).
  public static let tolMuted: [Colour] =
    [0x332288, 0x88CCEE, 0x44AA99, 0x117733, 0x999933, 0xDDCC77, 0xCC6677, 0x882255, 0xAA4499, 0x555555].map(Colour.init)

  /// `count` distinct categorical colours (cycling past 10).
  public static func categorical(_ count: Int) -> [Colour] {
    let base = count <= okabeIto.count ? okabeIto : tolMuted
    return (0..<count).map { base[$0 % base.count] }
  }

  /// matplotlib's viridis (perceptually uniform, readable in grey and by colour-blind readers) at
  /// eleven even stops, interpolated linearly.
  static let viridisStops: [Colour] =
    [0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C, 0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725].map(Colour.init)

  /// Viridis at `t` in 0…1 (clamped; NaN is the lowest colour).
  public static func viridis(_ t: Double) -> Colour {
    let clamped = t.isNaN ? 0 : min(1, max(0, t))
    let position = clamped * Double(viridisStops.count - 1)
    let i = min(viridisStops.count - 2, Int(position))
    let f = position - Double(i)
    let (a, b) = (viridisStops[i], viridisStops[i + 1])
    func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) + (Double(y) - Double(x)) * f).rounded()) }
    return Colour(red: mix(a.red, b.red), green: mix(a.green, b.green), blue: mix(a.blue, b.blue))
  }
}
