import Foundation

/// Renders a built `Figure` as a standalone SVG document: one group per panel, axis, layer and
/// legend (classes name them), coordinates with at most two decimals, so that the same figure
/// always gives the same bytes.
public enum SVGWriter {
  static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"

  public static func render(_ figure: Figure) -> String {
    var out: [String] = []
    out.append(
      #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(number(figure.width))" height="\#(number(figure.height))" viewBox="0 0 \#(number(figure.width)) \#(number(figure.height))" font-family="\#(fontFamily)" font-size="11" role="img">"#
    )
    out.append("<title>\(escape(figure.title))</title>")
    out.append(##"<rect class="background" width="100%" height="100%" fill="#ffffff"/>"##)
    out.append(text(figure.title, at: Point(16, 24), anchor: .start, size: 15, colour: .ink, bold: true, role: "title"))
    if let subtitle = figure.subtitle {
      out.append(text(subtitle, at: Point(16, 42), anchor: .start, size: 11, colour: .axis, bold: false, role: "subtitle"))
    }
    for panel in figure.panels { out += render(panel) }
    if let legend = figure.legend { out += render(legend) }
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  static func render(_ panel: Panel) -> [String] {
    var out = [#"<g class="panel">"#]
    let frame = panel.frame
    if let title = panel.title {
      out.append(text(title, at: Point(frame.x, frame.y - 8), anchor: .start, size: 12, colour: .ink, bold: true, role: "panel-title"))
    }
    // Grid lines under the marks, axes over them.
    var grid: [String] = []
    for axis in [panel.xAxis, panel.yAxis].compactMap({ $0 }) where axis.grid {
      for tick in axis.ticks {
        let (from, to) =
          axis.edge == .bottom
          ? (Point(tick.position, frame.y), Point(tick.position, frame.maxY)) : (Point(frame.x, tick.position), Point(frame.maxX, tick.position))
        grid.append(line(from, to, colour: .grid, width: 1))
      }
    }
    if !grid.isEmpty { out += [#"<g class="grid">"#] + grid + ["</g>"] }
    for layer in panel.layers {
      out.append(#"<g class="layer \#(escape(layer.role))">"#)
      out += layer.marks.map(render)
      out.append("</g>")
    }
    if let axis = panel.xAxis { out += render(axis, frame: frame) }
    if let axis = panel.yAxis { out += render(axis, frame: frame) }
    out.append("</g>")
    return out
  }

  static func render(_ axis: Axis, frame: Rect) -> [String] {
    var out = [#"<g class="axis \#(axis.edge == .bottom ? "x" : "y")">"#]
    switch axis.edge {
    case .bottom:
      out.append(line(Point(frame.x, frame.maxY), Point(frame.maxX, frame.maxY), colour: .axis, width: 1))
      for tick in axis.ticks {
        out.append(line(Point(tick.position, frame.maxY), Point(tick.position, frame.maxY + 4), colour: .axis, width: 1))
        if axis.slanted {
          let (x, y) = (number(tick.position + 3), number(frame.maxY + 12))
          out.append(
            #"<text class="tick" x="\#(x)" y="\#(y)" text-anchor="end" font-size="10" fill="\#(Colour.axis.hex)" transform="rotate(-40 \#(x) \#(y))">\#(escape(tick.label))</text>"#)
        } else {
          out.append(text(tick.label, at: Point(tick.position, frame.maxY + 16), anchor: .middle, size: 10, colour: .axis, bold: false, role: "tick"))
        }
      }
      if !axis.title.isEmpty {
        out.append(
          text(
            axis.title, at: Point(frame.x + frame.width / 2, frame.maxY + 34 + axis.labelDepth), anchor: .middle, size: 11, colour: .ink, bold: false,
            role: "axis-title"))
      }
    case .left:
      out.append(line(Point(frame.x, frame.y), Point(frame.x, frame.maxY), colour: .axis, width: 1))
      for tick in axis.ticks {
        out.append(line(Point(frame.x - 4, tick.position), Point(frame.x, tick.position), colour: .axis, width: 1))
        out.append(text(tick.label, at: Point(frame.x - 7, tick.position + 3.5), anchor: .end, size: 10, colour: .axis, bold: false, role: "tick"))
      }
      guard !axis.title.isEmpty else { break }
      let widest = axis.ticks.map(\.label.count).max() ?? 0
      let x = frame.x - 16 - Double(widest) * 5.8
      out.append(
        #"<text class="axis-title" x="\#(number(x))" y="\#(number(frame.y + frame.height / 2))" text-anchor="middle" font-size="11" fill="\#(Colour.ink.hex)" transform="rotate(-90 \#(number(x)) \#(number(frame.y + frame.height / 2)))">\#(escape(axis.title))</text>"#
      )
    }
    out.append("</g>")
    return out
  }

  static func render(_ legend: Legend) -> [String] {
    var out = [#"<g class="legend">"#]
    var position = legend.origin
    for entry in legend.entries {
      out.append(
        #"<rect x="\#(number(position.x))" y="\#(number(position.y))" width="12" height="12" rx="2" fill="\#(entry.colour.hex)"/>"#)
      out.append(text(entry.label, at: Point(position.x + 17, position.y + 10), anchor: .start, size: 11, colour: .ink, bold: false, role: "legend-label"))
      if legend.horizontal {
        position.x += 17 + Double(entry.label.count) * 6.5 + 16
      } else {
        position.y += 18
      }
    }
    out.append("</g>")
    return out
  }

  static func render(_ mark: Mark) -> String {
    switch mark {
    case .rect(let r, let fill, let tooltip):
      let shape = #"<rect x="\#(number(r.x))" y="\#(number(r.y))" width="\#(number(r.width))" height="\#(number(r.height))" fill="\#(fill.hex)""#
      return tooltip.map { shape + "><title>\(escape($0))</title></rect>" } ?? shape + "/>"
    case .polyline(let points, let stroke, let width, let dashed):
      return #"<polyline points="\#(pointList(points))" fill="none" stroke="\#(stroke.hex)" stroke-width="\#(number(width))" stroke-linejoin="round"\#(dashed ? #" stroke-dasharray="4 3""# : "")/>"#
    case .polygon(let points, let fill, let opacity):
      return #"<polygon points="\#(pointList(points))" fill="\#(fill.hex)"\#(opacity < 1 ? #" fill-opacity="\#(number(opacity))""# : "")/>"#
    case .circle(let center, let radius, let fill, let opacity, let tooltip):
      let shape =
        #"<circle cx="\#(number(center.x))" cy="\#(number(center.y))" r="\#(number(radius))" fill="\#(fill.hex)"\#(opacity < 1 ? #" fill-opacity="\#(number(opacity))""# : "")"#
      return tooltip.map { shape + "><title>\(escape($0))</title></circle>" } ?? shape + "/>"
    case .text(let string, let point, let anchor, let size, let colour, let bold):
      return text(string, at: point, anchor: anchor, size: size, colour: colour, bold: bold, role: nil)
    case .image(let r, let png):
      let uri = "data:image/png;base64," + Data(png).base64EncodedString()
      return #"<image x="\#(number(r.x))" y="\#(number(r.y))" width="\#(number(r.width))" height="\#(number(r.height))" preserveAspectRatio="none" style="image-rendering:pixelated" href="\#(uri)"/>"#
    }
  }

  static func line(_ from: Point, _ to: Point, colour: Colour, width: Double) -> String {
    #"<line x1="\#(number(from.x))" y1="\#(number(from.y))" x2="\#(number(to.x))" y2="\#(number(to.y))" stroke="\#(colour.hex)" stroke-width="\#(number(width))"/>"#
  }

  static func text(_ string: String, at point: Point, anchor: TextAnchor, size: Double, colour: Colour, bold: Bool, role: String?) -> String {
    let role = role.map { #" class="\#($0)""# } ?? ""
    return #"<text\#(role) x="\#(number(point.x))" y="\#(number(point.y))" text-anchor="\#(anchor.rawValue)" font-size="\#(number(size))" fill="\#(colour.hex)"\#(bold ? #" font-weight="600""# : "")>\#(escape(string))</text>"#
  }

  static func pointList(_ points: [Point]) -> String { points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ") }

  /// At most two decimals, no trailing zeros, no "-0".
  static func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    var text = String(format: "%.2f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
  }

  static func escape(_ string: String) -> String {
    var out = ""
    for character in string {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default:
        // Control characters are not allowed in XML 1.0.
        if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1, scalar.value < 0x20, scalar != "\t", scalar != "\n" {
          out += "?"
        } else {
          out.append(character)
        }
      }
    }
    return out
  }
}
