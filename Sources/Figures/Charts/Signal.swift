extension Charts {
  /// A time × value matrix (a spectrogram) drawn as an image in viridis, low rows at the bottom.
  public struct Heatmap: Sendable, Equatable {
    public var title: String
    public var rows: Int
    public var columns: Int
    /// Row-major, row 0 the lowest (frequency bin, band or coefficient 0).
    public var values: [Float]
    public var yTitle: String
    /// Tick positions in rows (0…rows) with their labels.
    public var yTicks: [Axis.Tick]
    /// The colour bar's unit (`dB`).
    public var unit: String

    public init(title: String, rows: Int, columns: Int, values: [Float], yTitle: String, yTicks: [(row: Double, label: String)], unit: String) {
      self.title = title
      self.rows = rows
      self.columns = columns
      self.values = values
      self.yTitle = yTitle
      self.yTicks = yTicks.map { Axis.Tick(position: $0.row, label: $0.label) }
      self.unit = unit
    }
  }

  /// One clip: its waveform, its harmonic and percussive parts, and heatmaps (spectrogram,
  /// log-mel, MFCC, chroma) on one time axis.
  public static func signal(
    title: String, subtitle: String?, duration: Double, waveform: [Float], harmonic: [Float], percussive: [Float], heatmaps: [Heatmap]
  ) -> Figure {
    let colours = Palette.okabeIto
    var top = subtitle == nil ? 66.0 : 80.0
    var panels: [Panel] = []
    func timeAxis(_ frame: Rect, last: Bool) -> Axis {
      Axis(edge: .bottom, scale: LinearScale(domain: 0...max(duration, 1e-3), range: frame.x, frame.maxX), title: last ? "time (s)" : "", spacing: 60, grid: false)
    }
    let count = 2 + heatmaps.count
    func nextFrame(height: Double) -> Rect {
      defer { top += height + 58 }
      return Rect(x: 70, y: top, width: 620, height: height)
    }
    let amplitude = max(1e-6, (waveform + harmonic + percussive).map { abs($0) }.max() ?? 1)
    func waveformPanel(_ title: String, _ parts: [(String, [Float], Colour)], index: Int) -> Panel {
      let frame = nextFrame(height: 84)
      let y = LinearScale(domain: -Double(amplitude)...Double(amplitude), range: frame.maxY, frame.y).niced(count: 4)
      let marks: [Mark] = parts.map { _, samples, colour in
        .polygon(envelope(samples, frame: frame, y: y), fill: colour, opacity: parts.count > 1 ? 0.7 : 1)
      }
      return Panel(
        frame: frame, title: title, xAxis: timeAxis(frame, last: index == count - 1), yAxis: Axis(edge: .left, scale: y, title: "amplitude", spacing: 28),
        layers: [Layer(role: "waveform", marks: marks)])
    }
    panels.append(waveformPanel("Waveform", [("signal", waveform, colours[0])], index: 0))
    panels.append(waveformPanel("Harmonic (blue) and percussive (orange) parts", [("harmonic", harmonic, colours[0]), ("percussive", percussive, colours[1])], index: 1))
    for (h, heatmap) in heatmaps.enumerated() {
      let frame = nextFrame(height: heatmap.rows > 64 ? 140 : 84)
      panels.append(heatmapPanel(heatmap, frame: frame, xAxis: timeAxis(frame, last: h == heatmaps.count - 1)))
    }
    return Figure(width: 800, height: top - 10, title: title, subtitle: subtitle, panels: panels)
  }

  /// One heatmap on a time axis (a song's log-mel spectrogram, for the page that tries a song).
  public static func spectrogram(title: String, subtitle: String?, duration: Double, heatmap: Heatmap) -> Figure {
    let frame = Rect(x: 70, y: subtitle == nil ? 66 : 80, width: 620, height: 160)
    let time = LinearScale(domain: 0...max(duration, 1e-3), range: frame.x, frame.maxX)
    let panel = heatmapPanel(heatmap, frame: frame, xAxis: Axis(edge: .bottom, scale: time, title: "time (s)", spacing: 60, grid: false))
    return Figure(width: 800, height: frame.maxY + 50, title: title, subtitle: subtitle, panels: [panel])
  }

  /// The heatmap as an image in `frame`, with its rows' ticks and a colour bar of its range.
  static func heatmapPanel(_ heatmap: Heatmap, frame: Rect, xAxis: Axis) -> Panel {
    // Half a pixel per column at most: spectrograms stay legible and the SVG small.
    let (png, range) = image(heatmap, maxColumns: Int(frame.width / 2), maxRows: 128)
    let bar = Rect(x: frame.maxX + 10, y: frame.y, width: 10, height: frame.height)
    let ticks = heatmap.yTicks.map { Axis.Tick(position: frame.maxY - $0.position / Double(heatmap.rows) * frame.height, label: $0.label) }
    let marks: [Mark] = [
      .image(frame, png: png),
      .image(bar, png: PNG.indexed(width: 1, height: 256, indices: (0..<256).map { UInt8(255 - $0) }, palette: viridis256)),
      .text("\(LinearScale.format(Double(range.upperBound), decimals: 0)) \(heatmap.unit)", at: Point(bar.maxX + 4, bar.y + 8), anchor: .start, size: 9, colour: .axis),
      .text("\(LinearScale.format(Double(range.lowerBound), decimals: 0)) \(heatmap.unit)", at: Point(bar.maxX + 4, bar.maxY), anchor: .start, size: 9, colour: .axis),
    ]
    return Panel(
      frame: frame, title: heatmap.title.isEmpty ? nil : heatmap.title, xAxis: xAxis, yAxis: Axis(edge: .left, ticks: ticks, title: heatmap.yTitle),
      layers: [Layer(role: "heatmap", marks: marks)])
  }

  static let viridis256 = (0..<256).map { Palette.viridis(Double($0) / 255) }

  /// The min/max outline of `samples` per pixel column, as a closed shape.
  static func envelope(_ samples: [Float], frame: Rect, y: LinearScale) -> [Point] {
    let columns = max(1, Int(frame.width))
    guard !samples.isEmpty else { return [Point(frame.x, y(0)), Point(frame.maxX, y(0))] }
    var upper: [Point] = []
    var lower: [Point] = []
    for c in 0..<columns {
      let start = c * samples.count / columns
      let end = max(start + 1, (c + 1) * samples.count / columns)
      let slice = samples[start..<min(end, samples.count)]
      let x = frame.x + (Double(c) + 0.5) * frame.width / Double(columns)
      upper.append(Point(x, y(Double(slice.max() ?? 0))))
      lower.append(Point(x, y(Double(slice.min() ?? 0))))
    }
    return upper + lower.reversed()
  }

  /// The heatmap averaged down to at most `maxColumns` × `maxRows` pixels, as an indexed PNG in
  /// viridis over its value range (returned).
  static func image(_ heatmap: Heatmap, maxColumns: Int, maxRows: Int) -> (png: [UInt8], range: ClosedRange<Float>) {
    let width = max(1, min(heatmap.columns, maxColumns))
    let height = max(1, min(heatmap.rows, maxRows))
    var pooled = [Float](repeating: 0, count: width * height)
    for py in 0..<height {
      let r0 = py * heatmap.rows / height
      let r1 = max(r0 + 1, (py + 1) * heatmap.rows / height)
      for px in 0..<width {
        let c0 = px * heatmap.columns / width
        let c1 = max(c0 + 1, (px + 1) * heatmap.columns / width)
        var sum: Float = 0
        for r in r0..<r1 { for c in c0..<c1 { sum += heatmap.values[r * heatmap.columns + c] } }
        pooled[py * width + px] = sum / Float((r1 - r0) * (c1 - c0))
      }
    }
    let finite = pooled.filter(\.isFinite)
    let low = finite.min() ?? 0
    let high = max(finite.max() ?? 1, low + 1e-6)
    // PNG rows run top-down; row 0 of the heatmap is at the bottom.
    var indices = [UInt8](repeating: 0, count: width * height)
    for py in 0..<height {
      for px in 0..<width {
        let value = pooled[(height - 1 - py) * width + px]
        let t = value.isFinite ? (value - low) / (high - low) : 0
        indices[py * width + px] = UInt8((min(1, max(0, t)) * 255).rounded())
      }
    }
    return (PNG.indexed(width: width, height: height, indices: indices, palette: viridis256), low...high)
  }
}
