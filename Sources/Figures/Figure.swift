/// A figure as built, before rendering: pixel geometry of every panel, axis, mark and legend.
/// Charts build one (`Charts`), `SVGWriter` renders it; tests can look at either.
public struct Figure: Sendable, Equatable {
  public var width: Double
  public var height: Double
  public var title: String
  public var subtitle: String?
  public var panels: [Panel]
  public var legend: Legend?

  /// `width` grows to fit the title and subtitle.
  public init(width: Double, height: Double, title: String, subtitle: String? = nil, panels: [Panel], legend: Legend? = nil) {
    self.width = max(width, 32 + max(Double(title.count) * 8.6, Double(subtitle?.count ?? 0) * 6.1))
    self.height = height
    self.title = title
    self.subtitle = subtitle
    self.panels = panels
    self.legend = legend
  }
}

public struct Point: Sendable, Equatable {
  public var x: Double
  public var y: Double

  public init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }
}

public struct Rect: Sendable, Equatable {
  public var x: Double
  public var y: Double
  public var width: Double
  public var height: Double

  public init(x: Double, y: Double, width: Double, height: Double) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }

  public var maxX: Double { x + width }
  public var maxY: Double { y + height }
}

/// One plotting area: its frame, axes and layers of marks, drawn in order.
public struct Panel: Sendable, Equatable {
  public var frame: Rect
  public var title: String?
  public var xAxis: Axis?
  public var yAxis: Axis?
  public var layers: [Layer]

  public init(frame: Rect, title: String? = nil, xAxis: Axis? = nil, yAxis: Axis? = nil, layers: [Layer]) {
    self.frame = frame
    self.title = title
    self.xAxis = xAxis
    self.yAxis = yAxis
    self.layers = layers
  }
}

/// Ticks at pixel positions along a panel's bottom or left edge, with an axis title.
public struct Axis: Sendable, Equatable {
  public enum Edge: String, Sendable { case bottom, left }
  public struct Tick: Sendable, Equatable {
    public var position: Double
    public var label: String
  }

  public var edge: Edge
  public var ticks: [Tick]
  public var title: String
  /// Grid lines across the panel at each tick.
  public var grid: Bool
  /// Tick labels turned 40° (long class names under narrow bands).
  public var slanted: Bool

  public init(edge: Edge, ticks: [Tick], title: String, grid: Bool = false, slanted: Bool = false) {
    self.edge = edge
    self.ticks = ticks
    self.title = title
    self.grid = grid
    self.slanted = slanted
  }

  /// Nice ticks of a linear scale (about one per `spacing` pixels).
  public init(edge: Edge, scale: LinearScale, title: String, spacing: Double = 50, grid: Bool = true) {
    let count = max(2, Int((abs(scale.upper - scale.lower) / spacing).rounded(.up)))
    self.init(edge: edge, ticks: scale.tickLabels(count: count).map { Tick(position: scale($0.value), label: $0.label) }, title: title, grid: grid)
  }

  /// One tick per band, at its centre; labels slant when they are wider than the bands.
  public init(edge: Edge, bands: BandScale, labels: [String], title: String) {
    let widest = Double(labels.map(\.count).max() ?? 0) * 6
    self.init(
      edge: edge, ticks: labels.indices.map { Tick(position: bands.center($0), label: labels[$0]) }, title: title,
      slanted: edge == .bottom && widest > bands.step)
  }

  /// The extra room slanted labels take below the axis.
  public var labelDepth: Double { slanted ? Double(ticks.map(\.label.count).max() ?? 0) * 4.6 : 0 }
}

/// Marks of one kind and meaning (`bars`, `error-bars`, `points`, …): one SVG group each.
public struct Layer: Sendable, Equatable {
  public var role: String
  public var marks: [Mark]

  public init(role: String, marks: [Mark]) {
    self.role = role
    self.marks = marks
  }
}

public enum TextAnchor: String, Sendable { case start, middle, end }

public enum Mark: Sendable, Equatable {
  /// A filled rectangle; `tooltip` becomes its SVG `<title>`.
  case rect(Rect, fill: Colour, tooltip: String? = nil)
  case polyline([Point], stroke: Colour, width: Double, dashed: Bool = false)
  /// A closed filled shape.
  case polygon([Point], fill: Colour, opacity: Double = 1)
  case circle(Point, radius: Double, fill: Colour, opacity: Double = 1, tooltip: String? = nil)
  case text(String, at: Point, anchor: TextAnchor = .middle, size: Double = 11, colour: Colour = .ink, bold: Bool = false)
  /// A raster (a spectrogram), as PNG bytes stretched over the rectangle.
  case image(Rect, png: [UInt8])
}

public struct Legend: Sendable, Equatable {
  public struct Entry: Sendable, Equatable {
    public var label: String
    public var colour: Colour
  }

  public var entries: [Entry]
  /// The top-left corner of the first entry.
  public var origin: Point
  /// Entries side by side rather than stacked.
  public var horizontal: Bool

  public init(entries: [(String, Colour)], origin: Point, horizontal: Bool = true) {
    self.entries = entries.map { Entry(label: $0.0, colour: $0.1) }
    self.origin = origin
    self.horizontal = horizontal
  }
}
