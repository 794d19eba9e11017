/// Every model kind GenreKit knows, in the order they are listed and compared. A new model kind
/// is its registration (a `ModelKind`) added here; the command line, model files, `compare` and
/// the conformance tests find it.
public enum ModelRegistry {
  public static let kinds: [ModelKind] = [
    KNearestNeighbors.registration, RandomForest.registration, LogisticRegression.registration,
    MultilayerPerceptron.registration, HMMClassifier.registration, NetworkClassifier.cnn, NetworkClassifier.fnn,
  ]

  public static func kind(named name: String) -> ModelKind? { kinds.first { $0.name == name } }

  /// The kinds that read `input`.
  public static func kinds(reading input: InputKind) -> [ModelKind] { kinds.filter { $0.input == input } }

  public static var names: String { kinds.map(\.name).joined(separator: ", ") }
}
