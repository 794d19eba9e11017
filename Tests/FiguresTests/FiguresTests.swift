import Figures
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Scales against d3's values, summaries against numpy's, PNG against the format's checksums.
@Suite struct ScaleTests {
  @Test func ticksAreD3s() {
    // d3.ticks(0, 1, 10): tenths computed as i / 10, so 0.3 is exactly 0.3.
    #expect(LinearScale(domain: 0...1, range: 0, 100).ticks(count: 10) == [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
    #expect(LinearScale(domain: -0.5...2.3, range: 0, 100).ticks(count: 5) == [-0.5, 0, 0.5, 1, 1.5, 2])
    #expect(LinearScale(domain: 0...250, range: 0, 100).ticks(count: 5) == [0, 50, 100, 150, 200, 250])
    #expect(LinearScale(domain: 3...3, range: 0, 100).ticks(count: 5) == [3])
    // d3.scaleLinear().domain([0.201479, 0.996679]).nice() → [0.2, 1].
    #expect(LinearScale(domain: 0.201479...0.996679, range: 0, 100).niced(count: 10).domain == 0.2...1)
    #expect(LinearScale(domain: -3.7...41.2, range: 0, 100).niced(count: 5).domain == -10...50)
    #expect(LinearScale(domain: 0...1, range: 0, 100).tickLabels(count: 5).map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    #expect(LinearScale(domain: -1...1, range: 0, 100).tickLabels(count: 2).map(\.label) == ["-1", "0", "1"])
  }

  @Test func scalesMapDomainToRange() {
    let y = LinearScale(domain: 0...10, range: 200, 0)
    #expect(y(0) == 200 && y(10) == 0 && y(2.5) == 150)
    // d3.scaleBand().domain([a, b, c]).range([0, 120]).paddingInner(0.1).paddingOuter(0.1)
    let bands = BandScale(count: 3, range: 0, 120, paddingInner: 0.1, paddingOuter: 0.1)
    #expect(abs(bands.step - 120 / 3.1) < 1e-12 && abs(bands.bandwidth - 0.9 * 120 / 3.1) < 1e-12)
    #expect(abs(bands(0) - (120 - 120 / 3.1 * 2.9) / 2) < 1e-12 && abs(bands(2) - bands(0) - 2 * bands.step) < 1e-12)
  }

  @Test func boxSummaryIsTukeysWithNumpyQuartiles() throws {
    // numpy.percentile([1, 2, 3, 4, 100], [25, 50, 75]) = [2, 3, 4]; 100 lies beyond 4 + 1.5 · 2.
    let box = try #require(Charts.BoxSummary([3, 1, 100, 2, 4]))
    #expect([box.lowerWhisker, box.lowerQuartile, box.median, box.upperQuartile, box.upperWhisker] == [1, 2, 3, 4, 4] && box.outliers == [100])
    // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = [1.75, 2.5, 3.25].
    let even = try #require(Charts.BoxSummary([4, 3, 2, 1, .nan]))
    #expect([even.lowerQuartile, even.median, even.upperQuartile] == [1.75, 2.5, 3.25] && even.outliers.isEmpty)
    #expect(Charts.BoxSummary([.nan]) == nil)
  }

  @Test func pngIsWellFormed() {
    let png = PNG.indexed(width: 3, height: 2, indices: [0, 1, 2, 2, 1, 0], palette: [Colour(0x000000), Colour(0x808080), Colour(0xFFFFFF)])
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    // Every PNG ends with the IEND chunk, whose CRC is AE 42 60 82.
    #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    // IHDR: 3 × 2, 8-bit indexed.
    #expect(Array(png[16..<29]) == [0, 0, 0, 3, 0, 0, 0, 2, 8, 3, 0, 0, 0])
    // The image data: zlib header, one final stored block of 2 rows of (filter byte + 3), Adler-32.
    let idat = Array(png[(8 + 25 + 12 + 9)...].prefix(8 + 2 + 5 + 8 + 4 + 4))
    #expect(Array(idat[0..<4]) == [0, 0, 0, 19] && String(decoding: idat[4..<8], as: UTF8.self) == "IDAT")
    #expect(Array(idat[8..<23]) == [0x78, 0x01, 1, 8, 0, 0xF7, 0xFF, 0, 0, 1, 2, 0, 2, 1, 0])
    // Adler-32 of those 8 bytes: a = 1 + 6 = 7, b = 1+1+2+4+4+6+7+7 = 32.
    #expect(Array(idat[23..<27]) == [0, 32, 0, 7])
  }
}

/// Each chart: valid SVG with its axes, one mark per value and its labels; the same input gives
/// the same bytes, pinned by golden files for two charts.
@Suite struct ChartTests {
  /// Element names and their attributes, in document order, from XMLParser (which fails on
  /// anything that is not well-formed XML).
  final class Elements: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
      elements.append((name, attributes))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    static func parse(_ svg: String) throws -> Elements {
      let parser = XMLParser(data: Data(svg.utf8))
      let elements = Elements()
      parser.delegate = elements
      #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
      return elements
    }

    /// Elements of `name` inside the group of class `layer role`.
    func count(_ name: String, inLayer role: String, of svg: String) -> Int {
      guard let start = svg.range(of: #"<g class="layer \#(role)">"#) else { return 0 }
      let body = svg[start.upperBound...]
      let end = body.range(of: "</g>")!.lowerBound
      return body[..<end].components(separatedBy: "<\(name) ").count - 1
    }
  }

  static let comparison: [Charts.ScoreRow] = [
    Charts.ScoreRow(label: "knn (30-s rows)", scores: [(0.875, 0.059), (0.875, 0.059)]),
    Charts.ScoreRow(label: "hmm-full (13-MFCC frames)", scores: [(0.919, 0.014), (0.958, 0.026)]),
    Charts.ScoreRow(label: "cnn (128-band log-mel)", scores: [(0.918, 0.035), (0.933, 0.057)]),
    Charts.ScoreRow(label: "fnn (128-band log-mel)", scores: [nil, nil]),
  ]

  static let confusion = (classes: ["classical", "jazz", "rock"], counts: [[79, 1, 0], [10, 64, 6], [0, 9, 71]])

  /// Whether `svg` is the golden file's bytes; when not, it is written to the temporary folder
  /// to compare (and to commit, if the change is meant).
  func matchesGolden(_ svg: String, _ name: String) throws -> Bool {
    let golden = try String(contentsOf: Bundle.module.resourceURL!.appendingPathComponent("Golden/\(name)"), encoding: .utf8)
    if svg != golden {
      let actual = FileManager.default.temporaryDirectory.appendingPathComponent(name)
      try svg.write(to: actual, atomically: true, encoding: .utf8)
      print("\(name) differs from its golden file; this run's is \(actual.path)")
    }
    return svg == golden
  }

  @Test func accuracyBars() throws {
    let figure = Charts.accuracyBars(
      title: "Every model on one split", subtitle: "5 folds by track", rows: Self.comparison, series: ["per segment", "per track"], axisTitle: "accuracy")
    let svg = SVGWriter.render(figure)
    let parsed = try Elements.parse(svg)
    #expect(parsed.elements.first?.name == "svg" && parsed.elements.first?.attributes["viewBox"] == "0 0 \(Int(figure.width)) \(Int(figure.height))")
    // Three fitted models × two series; the unfitted one says so.
    #expect(parsed.count("rect", inLayer: "bars", of: svg) == 6 && parsed.text.contains("not fitted"))
    #expect(parsed.count("polyline", inLayer: "error-bars", of: svg) == 18)
    for label in ["0.958", "0.933", "knn (30-s rows)", "per track", "accuracy", "0.0", "1.0"] { #expect(parsed.text.contains(label), "\(label)") }
    // The bar's length is its accuracy on the axis: x(0.958) − x(0) = 0.958 · 520.
    let bars = figure.panels[0].layers[0].marks.compactMap { mark -> Double? in if case .rect(let r, _, _) = mark { return r.width } else { return nil } }
    #expect(abs(bars[3] - 0.958 * 520) < 1e-9)
    #expect(try matchesGolden(svg, "accuracy-bars.svg"))
  }

  @Test func confusionMatrix() throws {
    let svg = SVGWriter.render(Charts.confusion(title: "Confusion matrix", subtitle: nil, classes: Self.confusion.classes, counts: Self.confusion.counts))
    let parsed = try Elements.parse(svg)
    #expect(parsed.elements.filter { $0.name == "g" && $0.attributes["class"] == "layer cells" }.count == 2)
    #expect(parsed.count("rect", inLayer: "cells", of: svg) == 9 && parsed.count("text", inLayer: "cell-labels", of: svg) == 9)
    for label in ["79", "64", "0.80", "0.89", "predicted", "true", "Normalised by true class"] { #expect(parsed.text.contains(label), "\(label)") }
    #expect(try matchesGolden(svg, "confusion.svg"))
  }

  @Test func curvesScatterBoxesAndSignal() throws {
    let curves = SVGWriter.render(
      Charts.learningCurves(
        title: "cnn", subtitle: nil,
        loss: [Charts.Series(name: "training", values: [1.0, 0.5, 0.3]), Charts.Series(name: "validation", values: [1.2, 0.8, 0.9])],
        accuracy: [Charts.Series(name: "training", values: [0.5, 0.7, 0.9]), Charts.Series(name: "validation", values: [0.4, nil, 0.6])], bestEpoch: 2))
    let parsedCurves = try Elements.parse(curves)
    #expect(parsedCurves.elements.filter { $0.name == "circle" }.count == 11 && parsedCurves.text.contains("best epoch 2"))
    // The validation line is dashed; its missing epoch splits it, leaving no line of one point.
    #expect(parsedCurves.elements.filter { $0.name == "polyline" && $0.attributes["stroke-dasharray"] != nil }.count == 2 + 1)

    let points = (0..<50).map { i in (x: Double(i), y: Double(i % 7), group: i % 3) }
    let scatter = SVGWriter.render(Charts.scatter(title: "PCA", subtitle: nil, xTitle: "PC1", yTitle: "PC2", points: points, groups: ["a", "b", "c"]))
    let parsedScatter = try Elements.parse(scatter)
    #expect(parsedScatter.count("circle", inLayer: "points", of: scatter) == 50)
    #expect(parsedScatter.elements.filter { $0.name == "rect" && $0.attributes["rx"] == "2" }.count == 3, "one legend swatch per group")

    let boxes = SVGWriter.render(
      Charts.boxes(title: "Features", subtitle: nil, columns: ["tempo", "rms"], groups: ["a", "b"], values: [[[1, 2, 3], [4, 5, 60]], [[0.1], [0.2, 0.3]]]))
    let parsedBoxes = try Elements.parse(boxes)
    #expect(parsedBoxes.elements.filter { $0.name == "g" && $0.attributes["class"] == "panel" }.count == 2)
    #expect(parsedBoxes.count("rect", inLayer: "boxes", of: boxes) == 2 && parsedBoxes.text.contains("tempo"))

    let samples = (0..<22050).map { Float(sin(Double($0) * 0.05)) }
    let heatmap = Charts.Heatmap(
      title: "log-mel", rows: 4, columns: 5, values: (0..<20).map(Float.init), yTitle: "band", yTicks: [(0, "0"), (4, "4")], unit: "dB")
    let signal = SVGWriter.render(
      Charts.signal(title: "clip", subtitle: nil, duration: 1, waveform: samples, harmonic: samples, percussive: samples, heatmaps: [heatmap]))
    let parsedSignal = try Elements.parse(signal)
    let images = parsedSignal.elements.filter { $0.name == "image" }.compactMap { $0.attributes["href"] }
    #expect(images.count == 2 && images.allSatisfy { $0.hasPrefix("data:image/png;base64,") })
    // The heatmap's PNG is its 5 × 4 values, low rows at the bottom: the top-left pixel is the
    // highest row's values (15…19 of 0…19 → palette indices round(v / 19 · 255)).
    let png = try #require(Data(base64Encoded: String(images[0].dropFirst("data:image/png;base64,".count))))
    let palette = 12 + 256 * 3
    let firstRow = 8 + 25 + palette + 8 + 2 + 5
    let topRow: [UInt8] = [15.0, 16, 17, 18, 19].map { UInt8(($0 / 19 * 255).rounded()) }
    #expect(png[firstRow] == 0 && Array(png[(firstRow + 1)..<(firstRow + 6)]) == topRow)
    #expect(SVGWriter.render(Charts.confusion(title: "x", subtitle: nil, classes: ["a", "b"], counts: [[1, 0], [0, 1]]))
      == SVGWriter.render(Charts.confusion(title: "x", subtitle: nil, classes: ["a", "b"], counts: [[1, 0], [0, 1]])))
  }

  @Test func textIsEscaped() throws {
    let svg = SVGWriter.render(Charts.confusion(title: "R&B <vs> \"rock\"", subtitle: nil, classes: ["r&b", "<rock>"], counts: [[1, 0], [0, 1]]))
    let parsed = try Elements.parse(svg)
    #expect(parsed.text.contains("R&B <vs> \"rock\"") && parsed.text.contains("<rock>"))
  }
}
