extension Charts {
  /// One series of a line chart: a value per x (nil: none at that x).
  public struct Series: Sendable, Equatable {
    public var name: String
    public var values: [Double?]

    public init(name: String, values: [Double?]) {
      self.name = name
      self.values = values
    }
  }

  /// Learning curves: loss and accuracy per epoch, training solid and validation dashed (told
  /// apart by colour and by dash), with the epoch whose weights were kept marked.
  public static func learningCurves(title: String, subtitle: String?, loss: [Series], accuracy: [Series], bestEpoch: Int?) -> Figure {
    let epochs = max(loss.map(\.values.count).max() ?? 0, accuracy.map(\.values.count).max() ?? 0)
    let names = Array(Set((loss + accuracy).map(\.name))).sorted { a, b in a.count != b.count ? a.count < b.count : a < b }
    let colours = Palette.categorical(max(1, names.count))
    let top = subtitle == nil ? 76.0 : 90.0
    func panel(_ series: [Series], index: Int, title: String, unitRange: Bool) -> Panel {
      let frame = Rect(x: 66 + Double(index) * 380, y: top, width: 300, height: 220)
      let x = LinearScale(domain: 1...Double(max(2, epochs)), range: frame.x, frame.maxX)
      let values = series.flatMap(\.values).compactMap { $0 }
      let y = unitRange
        ? LinearScale(domain: LinearScale.domain(of: values, including: [1]), range: frame.maxY, frame.y).niced(count: 5)
        : LinearScale(domain: LinearScale.domain(of: values, including: [0]), range: frame.maxY, frame.y).niced(count: 5)
      var lines: [Mark] = []
      var points: [Mark] = []
      for s in series {
        let colour = colours[names.firstIndex(of: s.name)!]
        let dashed = s.name.lowercased().contains("validation")
        // A gap (nil) splits the line.
        var run: [Point] = []
        for (e, value) in s.values.enumerated() {
          guard let value, value.isFinite else {
            if run.count > 1 { lines.append(.polyline(run, stroke: colour, width: 2, dashed: dashed)) }
            run = []
            continue
          }
          let point = Point(x(Double(e + 1)), y(value))
          run.append(point)
          points.append(.circle(point, radius: 2.5, fill: colour, tooltip: "\(s.name), epoch \(e + 1): \(LinearScale.format(value, decimals: 4))"))
        }
        if run.count > 1 { lines.append(.polyline(run, stroke: colour, width: 2, dashed: dashed)) }
      }
      var marks: [Mark] = []
      if let bestEpoch, bestEpoch >= 1, bestEpoch <= epochs {
        let position = x(Double(bestEpoch))
        marks.append(.polyline([Point(position, frame.y), Point(position, frame.maxY)], stroke: .faint, width: 1, dashed: true))
        marks.append(.text("best epoch \(bestEpoch)", at: Point(position + 4, frame.y + 11), anchor: .start, size: 10, colour: .axis))
      }
      return Panel(
        frame: frame, title: title, xAxis: Axis(edge: .bottom, scale: x, title: "epoch"), yAxis: Axis(edge: .left, scale: y, title: title.lowercased()),
        layers: [Layer(role: "best-epoch", marks: marks), Layer(role: "lines", marks: lines), Layer(role: "points", marks: points)])
    }
    var panels = [panel(loss, index: 0, title: "Loss", unitRange: false)]
    if !accuracy.isEmpty { panels.append(panel(accuracy, index: 1, title: "Accuracy", unitRange: true)) }
    let legend = Legend(entries: Array(zip(names, colours)), origin: Point(66, top - 40))
    return Figure(width: panels.last!.frame.maxX + 30, height: top + 220 + 56, title: title, subtitle: subtitle, panels: panels, legend: legend)
  }

  /// Points coloured by group (a PCA projection), with a legend of the groups.
  public static func scatter(
    title: String, subtitle: String?, xTitle: String, yTitle: String, points: [(x: Double, y: Double, group: Int)], groups: [String]
  ) -> Figure {
    let colours = Palette.categorical(max(1, groups.count))
    let top = subtitle == nil ? 62.0 : 76.0
    let frame = Rect(x: 70, y: top, width: 480, height: 400)
    let x = LinearScale(domain: LinearScale.domain(of: points.map(\.x)), range: frame.x, frame.maxX).niced(count: 8)
    let y = LinearScale(domain: LinearScale.domain(of: points.map(\.y)), range: frame.maxY, frame.y).niced(count: 8)
    // Tooltips only where they stay cheap: a 10,000-point SVG is already large.
    let tooltips = points.count <= 2000
    let marks: [Mark] = points.map { p in
      .circle(
        Point(x(p.x), y(p.y)), radius: points.count > 3000 ? 1.8 : 3, fill: colours[p.group], opacity: 0.75,
        tooltip: tooltips ? groups[p.group] : nil)
    }
    let panel = Panel(
      frame: frame, xAxis: Axis(edge: .bottom, scale: x, title: xTitle), yAxis: Axis(edge: .left, scale: y, title: yTitle),
      layers: [Layer(role: "points", marks: marks)])
    let legend = Legend(entries: Array(zip(groups, colours)), origin: Point(frame.maxX + 20, frame.y), horizontal: false)
    let widest = Double(groups.map(\.count).max() ?? 0) * 6.5
    return Figure(width: frame.maxX + 50 + widest, height: frame.maxY + 56, title: title, subtitle: subtitle, panels: [panel], legend: legend)
  }
}
