extension Charts {
  /// A confusion matrix twice: counts, and each true class's row normalised to 1 (recall on the
  /// diagonal). Cells are coloured by the row-normalised value in both.
  public static func confusion(title: String, subtitle: String?, classes: [String], counts: [[Int]]) -> Figure {
    let n = classes.count
    let cell = min(44, max(22, 380 / Double(max(1, n))))
    let labelWidth = Double(classes.map(\.count).max() ?? 0) * 6.2 + 24
    let top = subtitle == nil ? 70.0 : 84.0
    let side = cell * Double(n)
    // Room for the second panel's class labels and for the first panel's title.
    let gap = max(labelWidth + 40, 24 * 7.2 - side + 30)
    let normalised = counts.map { row -> [Double] in
      let total = row.reduce(0, +)
      return row.map { total == 0 ? 0 : Double($0) / Double(total) }
    }
    func panel(_ index: Int) -> Panel {
      let frame = Rect(x: 16 + labelWidth + Double(index) * (side + gap), y: top, width: side, height: side)
      let columns = BandScale(count: n, range: frame.x, frame.maxX, paddingInner: 0, paddingOuter: 0)
      let rows = BandScale(count: n, range: frame.y, frame.maxY, paddingInner: 0, paddingOuter: 0)
      var cells: [Mark] = []
      var labels: [Mark] = []
      for t in 0..<n {
        for p in 0..<n {
          let fill = Palette.viridis(normalised[t][p])
          let text = index == 0 ? "\(counts[t][p])" : LinearScale.format(normalised[t][p], decimals: 2)
          cells.append(
            .rect(
              Rect(x: columns(p), y: rows(t), width: cell - 1, height: cell - 1), fill: fill,
              tooltip: "true \(classes[t]), predicted \(classes[p]): \(counts[t][p]) (\(LinearScale.format(normalised[t][p], decimals: 3)) of the row)"))
          labels.append(.text(text, at: Point(columns.center(p) - 0.5, rows.center(t) + 3.5), size: cell < 30 ? 9 : 10, colour: fill.textColour))
        }
      }
      return Panel(
        frame: frame, title: index == 0 ? "Counts" : "Normalised by true class",
        xAxis: Axis(edge: .bottom, bands: columns, labels: classes, title: "predicted"),
        yAxis: Axis(edge: .left, bands: rows, labels: classes, title: "true"),
        layers: [Layer(role: "cells", marks: cells), Layer(role: "cell-labels", marks: labels)])
    }
    let panels = [panel(0), panel(1)]
    let depth = panels[0].xAxis?.labelDepth ?? 0
    return Figure(width: panels[1].frame.maxX + 24, height: top + side + 56 + depth, title: title, subtitle: subtitle, panels: panels)
  }
}
