/// The figures GenreKit draws, each built from plain values (no model, no audio): a chart
/// function lays out panels, axes and marks, and `SVGWriter` renders the result.
public enum Charts {
  /// One model's row of a comparison: a mean ± std over folds per series (nil: not fitted).
  public struct ScoreRow: Sendable, Equatable {
    public var label: String
    public var scores: [(mean: Double, std: Double)?]

    public init(label: String, scores: [(mean: Double, std: Double)?]) {
      self.label = label
      self.scores = scores
    }

    public static func == (a: ScoreRow, b: ScoreRow) -> Bool {
      a.label == b.label && a.scores.count == b.scores.count
        && zip(a.scores, b.scores).allSatisfy { $0?.mean == $1?.mean && $0?.std == $1?.std }
    }
  }

  /// Horizontal bars of accuracy (0–1) per model and series (e.g. per segment and per track),
  /// each with its ± std over folds as an error bar and its value printed.
  public static func accuracyBars(title: String, subtitle: String?, rows: [ScoreRow], series: [String], axisTitle: String) -> Figure {
    let colours = Palette.categorical(max(1, series.count))
    let labelWidth = Double(rows.map(\.label.count).max() ?? 0) * 6.2 + 20
    let barHeight = 13.0
    let rowHeight = Double(series.count) * barHeight + 14
    let top = subtitle == nil ? 62.0 : 76.0
    let frame = Rect(x: 16 + labelWidth, y: top, width: 520, height: Double(rows.count) * rowHeight)
    let x = LinearScale(domain: 0...1, range: frame.x, frame.maxX)
    let bands = BandScale(count: rows.count, range: frame.y, frame.maxY, paddingInner: 0.2, paddingOuter: 0.1)
    var bars: [Mark] = []
    var errors: [Mark] = []
    var values: [Mark] = []
    for (r, row) in rows.enumerated() {
      let height = bands.bandwidth / Double(max(1, series.count))
      for (s, score) in row.scores.enumerated() {
        let y = bands(r) + Double(s) * height
        let name = series.isEmpty ? row.label : "\(row.label), \(series[s])"
        guard let score else {
          values.append(.text("not fitted", at: Point(x(0) + 4, y + height / 2 + 3.5), anchor: .start, size: 10, colour: .faint))
          continue
        }
        let tooltip = "\(name): \(format(score.mean)) ± \(format(score.std))"
        bars.append(.rect(Rect(x: x(0), y: y, width: max(0, x(score.mean) - x(0)), height: height - 1), fill: colours[s], tooltip: tooltip))
        let (low, high) = (x(max(0, score.mean - score.std)), x(min(1, score.mean + score.std)))
        let middle = y + (height - 1) / 2
        errors.append(.polyline([Point(low, middle), Point(high, middle)], stroke: .ink, width: 1))
        for end in [low, high] { errors.append(.polyline([Point(end, middle - 3), Point(end, middle + 3)], stroke: .ink, width: 1)) }
        values.append(.text(format(score.mean), at: Point(high + 5, middle + 3.5), anchor: .start, size: 10, colour: .ink))
      }
    }
    let yAxis = Axis(edge: .left, bands: bands, labels: rows.map(\.label), title: "")
    let panel = Panel(
      frame: frame, xAxis: Axis(edge: .bottom, scale: x, title: axisTitle, spacing: 52), yAxis: yAxis,
      layers: [Layer(role: "bars", marks: bars), Layer(role: "error-bars", marks: errors), Layer(role: "values", marks: values)])
    let legend = series.count > 1 ? Legend(entries: Array(zip(series, colours)), origin: Point(frame.x, top - 22)) : nil
    return Figure(width: frame.maxX + 60, height: frame.maxY + 56, title: title, subtitle: subtitle, panels: [panel], legend: legend)
  }

  static func format(_ value: Double) -> String { LinearScale.format(value, decimals: 3) }
}
