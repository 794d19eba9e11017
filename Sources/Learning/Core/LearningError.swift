/// Why data, a split, a model or its parameters were refused. The description is for the user.
public enum LearningError: Error, Equatable, CustomStringConvertible {
  case invalidParameter(name: String, value: String, reason: String)
  case shapeMismatch(what: String, expected: Int, actual: Int)
  case singleClass(String)
  case notEnoughSamples(needed: Int, got: Int)
  case invalidTable(String)
  case invalidSplit(String)
  case invalidModelFile(String)
  case nonFiniteResult(String)
  case wrongInput(model: String, expected: InputKind, got: InputKind)
  case linearAlgebra(routine: String, info: Int32)

  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let reason): return "invalid \(name) = \(value): \(reason)"
    case .shapeMismatch(let what, let expected, let actual): return "\(what): expected \(expected), got \(actual)"
    case .singleClass(let detail): return "training data has a single class (\(detail)); a classifier needs at least two"
    case .notEnoughSamples(let needed, let got): return "not enough samples: need \(needed), got \(got)"
    case .invalidTable(let message), .invalidSplit(let message), .invalidModelFile(let message), .nonFiniteResult(let message):
      return message
    case .linearAlgebra(let routine, let info): return "\(routine) failed (info \(info))"
    case .wrongInput(let model, let expected, let got): return "\(model) reads \(expected.rawValue), not \(got.rawValue)"
    }
  }
}
