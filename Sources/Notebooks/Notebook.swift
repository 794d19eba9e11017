/// A Jupyter notebook (nbformat 4.5) with its outputs embedded, written in nbformat's canonical
/// form (`indent=1`, sorted keys, `": "` separators, non-ASCII as is; sources and text outputs as
/// lists of lines, as `nbformat.write` saves them), so that a notebook saved again by Jupyter
/// shows no diff, and the same cells always give the same bytes.
///
/// Cell ids are `cell-0001`, … and execution counts 1…n in order, as Run All gives; nbformat's
/// random ids would make every regeneration a diff.
public struct Notebook: Sendable, Equatable {
  public enum Output: Sendable, Equatable {
    /// `name` is `stdout` or `stderr`.
    case stream(name: String, text: String)
    /// The value of a cell's last expression: an SVG figure (with its text form).
    case svg(String, plainText: String)
  }

  public enum Cell: Sendable, Equatable {
    case markdown(String)
    case code(String, outputs: [Output])
  }

  public var cells: [Cell]

  public init(cells: [Cell] = []) {
    self.cells = cells
  }

  public mutating func markdown(_ source: String) { cells.append(.markdown(source)) }

  public mutating func code(_ source: String, outputs: [Output] = []) { cells.append(.code(source, outputs: outputs)) }

  /// The notebook's JSON document.
  public var json: String {
    var count = 0
    let cells: [JSON] = cells.enumerated().map { index, cell in
      let id = JSON.string("cell-" + String(index + 1).leftPadded(to: 4))
      switch cell {
      case .markdown(let source):
        return .object([("cell_type", "markdown"), ("id", id), ("metadata", .object([])), ("source", .lines(source))])
      case .code(let source, let outputs):
        count += 1
        return .object([
          ("cell_type", "code"), ("execution_count", .number(count)), ("id", id), ("metadata", .object([])),
          ("outputs", .array(outputs.map { output(_: $0, count: count) })), ("source", .lines(source)),
        ])
      }
    }
    let metadata = JSON.object([
      ("kernelspec", .object([("display_name", "Python 3"), ("language", "python"), ("name", "python3")])),
      ("language_info", .object([("name", "python")])),
    ])
    let document = JSON.object([("cells", .array(cells)), ("metadata", metadata), ("nbformat", .number(4)), ("nbformat_minor", .number(5))])
    return document.serialized(indent: 0) + "\n"
  }

  private func output(_ output: Output, count: Int) -> JSON {
    switch output {
    case .stream(let name, let text):
      return .object([("name", .string(name)), ("output_type", "stream"), ("text", .lines(text))])
    case .svg(let svg, let plainText):
      return .object([
        ("data", .object([("image/svg+xml", .lines(svg)), ("text/plain", .lines(plainText))])), ("execution_count", .number(count)),
        ("metadata", .object([])), ("output_type", "execute_result"),
      ])
    }
  }
}

/// The JSON values a notebook holds, serialised as Python's `json.dumps(indent=1, sort_keys=True,
/// ensure_ascii=False)` does.
indirect enum JSON: Sendable, Equatable, ExpressibleByStringLiteral {
  case string(String)
  case number(Int)
  case array([JSON])
  /// Keys are sorted when written.
  case object([(String, JSON)])

  init(stringLiteral value: String) { self = .string(value) }

  static func == (a: JSON, b: JSON) -> Bool { a.serialized(indent: 0) == b.serialized(indent: 0) }

  /// Text as nbformat stores it: `splitlines(keepends=True)`.
  static func lines(_ text: String) -> JSON {
    var lines: [JSON] = []
    var current = ""
    for character in text {
      current.append(character)
      if character == "\n" || character == "\r\n" {
        lines.append(.string(current))
        current = ""
      }
    }
    if !current.isEmpty { lines.append(.string(current)) }
    return .array(lines)
  }

  func serialized(indent level: Int) -> String {
    let inner = String(repeating: " ", count: level + 1)
    let outer = String(repeating: " ", count: level)
    switch self {
    case .string(let text): return Self.quoted(text)
    case .number(let value): return String(value)
    case .array(let items):
      guard !items.isEmpty else { return "[]" }
      return "[\n" + items.map { inner + $0.serialized(indent: level + 1) }.joined(separator: ",\n") + "\n" + outer + "]"
    case .object(let members):
      guard !members.isEmpty else { return "{}" }
      let sorted = members.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
      return "{\n" + sorted.map { inner + Self.quoted($0.0) + ": " + $0.1.serialized(indent: level + 1) }.joined(separator: ",\n") + "\n" + outer + "}"
    }
  }

  /// A JSON string as Python writes it with `ensure_ascii=False`: `"`, `\` and control
  /// characters escaped, everything else as is.
  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value < 0x20 {
          out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}

extension String {
  func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
