import Foundation

/// The GTZAN 30-s feature table shipped with GenreKit (Kaggle `features_30_sec.csv`, 1000 rows).
public enum EmbeddedTables {
  public static var gtzan30Seconds: String {
    Bundle.module.path(forResource: "gtzan_features_30_sec", ofType: "csv", inDirectory: "Resources")!
  }

  /// How messages name it.
  public static let gtzan30SecondsName = "bundled GTZAN features_30_sec.csv"
}
