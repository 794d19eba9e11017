extension Charts {
  /// Five-number summary of one group, as box plots draw it (Tukey): quartiles by linear
  /// interpolation (numpy's default), whiskers at the most extreme values within 1.5 IQR of the
  /// box, the values beyond them as outliers.
  public struct BoxSummary: Sendable, Equatable {
    public var lowerWhisker: Double
    public var lowerQuartile: Double
    public var median: Double
    public var upperQuartile: Double
    public var upperWhisker: Double
    public var outliers: [Double]

    public init?(_ values: [Double]) {
      let sorted = values.filter(\.isFinite).sorted()
      guard !sorted.isEmpty else { return nil }
      func quantile(_ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let i = Int(position)
        return i + 1 < sorted.count ? sorted[i] + (sorted[i + 1] - sorted[i]) * (position - Double(i)) : sorted[i]
      }
      let (q1, q3) = (quantile(0.25), quantile(0.75))
      let reach = 1.5 * (q3 - q1)
      let inside = sorted.filter { $0 >= q1 - reach && $0 <= q3 + reach }
      let (low, high) = (inside.first ?? q1, inside.last ?? q3)
      lowerQuartile = q1
      median = quantile(0.5)
      upperQuartile = q3
      lowerWhisker = low
      upperWhisker = high
      outliers = sorted.filter { $0 < low || $0 > high }
    }
  }

  /// Box plots of each column's values per group (feature distributions per genre), one small
  /// panel per column, three to a row.
  public static func boxes(title: String, subtitle: String?, columns: [String], groups: [String], values: [[[Double]]]) -> Figure {
    let colours = Palette.categorical(max(1, groups.count))
    let top = subtitle == nil ? 62.0 : 76.0
    let (width, height) = (250.0, 190.0)
    let labelDepth = Double(groups.map(\.count).max() ?? 0) * 4.6
    let rowHeight = height + 70 + labelDepth
    var panels: [Panel] = []
    for (c, column) in columns.enumerated() {
      let frame = Rect(x: 70 + Double(c % 3) * (width + 80), y: top + Double(c / 3) * rowHeight, width: width, height: height)
      let summaries = values[c].map(BoxSummary.init)
      let extent = summaries.compactMap { $0 }.flatMap { [$0.lowerWhisker, $0.upperWhisker] + $0.outliers }
      let y = LinearScale(domain: LinearScale.domain(of: extent), range: frame.maxY, frame.y).niced(count: 5)
      let bands = BandScale(count: groups.count, range: frame.x, frame.maxX, paddingInner: 0.3, paddingOuter: 0.2)
      var boxes: [Mark] = []
      var whiskers: [Mark] = []
      var outliers: [Mark] = []
      for (g, summary) in summaries.enumerated() {
        guard let s = summary else { continue }
        let (left, middle, right) = (bands(g), bands.center(g), bands(g) + bands.bandwidth)
        whiskers.append(.polyline([Point(middle, y(s.lowerWhisker)), Point(middle, y(s.lowerQuartile))], stroke: .axis, width: 1))
        whiskers.append(.polyline([Point(middle, y(s.upperQuartile)), Point(middle, y(s.upperWhisker))], stroke: .axis, width: 1))
        let tooltip = "\(groups[g]): median \(LinearScale.format(s.median, decimals: 4)), quartiles \(LinearScale.format(s.lowerQuartile, decimals: 4))–\(LinearScale.format(s.upperQuartile, decimals: 4)), \(values[c][g].count) rows"
        boxes.append(
          .rect(Rect(x: left, y: y(s.upperQuartile), width: bands.bandwidth, height: max(1, y(s.lowerQuartile) - y(s.upperQuartile))), fill: colours[g], tooltip: tooltip))
        boxes.append(.polyline([Point(left, y(s.median)), Point(right, y(s.median))], stroke: colours[g].textColour, width: 1.5))
        outliers += s.outliers.map { .circle(Point(middle, y($0)), radius: 1.6, fill: colours[g], opacity: 0.6) }
      }
      panels.append(
        Panel(
          frame: frame, title: column, xAxis: Axis(edge: .bottom, bands: bands, labels: groups, title: ""),
          yAxis: Axis(edge: .left, scale: y, title: ""),
          layers: [Layer(role: "whiskers", marks: whiskers), Layer(role: "boxes", marks: boxes), Layer(role: "outliers", marks: outliers)]))
    }
    let rows = Double((columns.count + 2) / 3)
    let figureWidth = 70 + Double(min(3, max(1, columns.count))) * (width + 80)
    return Figure(width: figureWidth, height: top + rows * rowHeight, title: title, subtitle: subtitle, panels: panels)
  }
}
