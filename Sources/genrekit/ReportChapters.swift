import AudioFeatures
import Foundation
import Learning
import TabularIO

/// One notebook of the report: what it needs and what it says. The prose around measured
/// numbers is written from the results the commands saved, never typed in.
struct ReportChapter: Sendable {
  var name: String
  /// What is missing to write it, or nil.
  var missing: @Sendable (ReportInputs) -> String?
  var write: @Sendable (inout NotebookWriter, ReportInputs) -> Void

  static let all = [features, shallowModels, networks, leakage]

  static let spotifyFeatures = "danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms"

  // MARK: 01

  static let features = ReportChapter(name: "01-features", missing: { _ in nil }) { notebook, inputs in
    notebook.markdown(
      """
      # 01 · What the 57 GTZAN features measure

      Every row of the Kaggle GTZAN tables (`features_30_sec.csv`, `features_3_sec.csv`) is 57 numbers \
      computed from one clip, or from one 3-s segment of it. GenreKit computes them as librosa 0.7 did \
      for those tables, to float32 rounding: the clip is read as 22,050 Hz mono and cut into frames of \
      2,048 samples every 512 (93-ms windows, 23 ms apart); each frame's spectrum gives a handful of \
      frame-level features, and a row holds each one's **mean and variance over the frames**, plus the tempo.

      | columns | librosa | what it measures |
      |---|---|---|
      | `chroma_stft_mean`, `_var` | `feature.chroma_stft` | how the energy spreads over the 12 pitch classes (C, C♯, …, B): harmony, key |
      | `rms_mean`, `_var` | `feature.rms` | loudness, frame by frame |
      | `spectral_centroid_mean`, `_var` | `feature.spectral_centroid` | the spectrum's centre of mass: brightness |
      | `spectral_bandwidth_mean`, `_var` | `feature.spectral_bandwidth` | how widely the spectrum spreads around that centre |
      | `rolloff_mean`, `_var` | `feature.spectral_rolloff` | the frequency below which 85 % of the energy lies |
      | `zero_crossing_rate_mean`, `_var` | `feature.zero_crossing_rate` | how often the waveform changes sign: noisiness, hits |
      | `harmony_mean`, `_var`, `perceptr_mean`, `_var` | `effects.hpss` | the harmonic (sustained) and percussive (struck) parts of the signal |
      | `tempo` | `beat.tempo` | beats per minute, from the autocorrelation of onset strength |
      | `mfcc1_mean`, `_var` … `mfcc20_mean`, `_var` | `feature.mfcc` | the shape of the spectral envelope on the mel scale (timbre): MFCC 1 is overall level, the next ones ever finer detail |

      The shallow models of notebook 02 read these 57 numbers; the HMM of notebook 03 reads the MFCC \
      frames themselves, and the CNN and FNN the log-mel spectrogram of each 3-s segment.
      """)
    if let clips = inputs.clips {
      notebook.markdown(
        """
        ## One clip of each genre

        Top to bottom: the waveform; its harmonic part (sustained tones, blue) and percussive part \
        (hits, orange); the spectrogram (each frame's spectrum, in dB below the loudest bin); the \
        128-band log-mel spectrogram (the same energy on the mel scale, which spaces pitch as we hear \
        it); 20 MFCC, each scaled to its own range over the clip; and the chroma. Compare the \
        classical clip's steady harmonic bands with the percussive stripes of the others.
        """)
      for clip in firstClipPerGenre(clips, runner: notebook.runner) {
        let genre = PathName.lastComponent(of: PathName.directory(of: clip))
        notebook.markdown("### \(genre): `\(PathName.lastComponent(of: clip))`")
        notebook.command(["plot", "signal", clip, "--duration", "10", "--output", "figures/01-signal-\(genre).svg"], figure: "figures/01-signal-\(genre).svg")
      }
    }
    notebook.markdown(
      """
      ## The features across genres

      Each box holds one genre's 100 clips of the Kaggle 30-s table (bundled with GenreKit): the box \
      spans the middle half, the line is the median, the whiskers reach 1.5 times the box's height, \
      dots are the clips beyond. No single feature separates the ten genres; classical (quiet, dark, \
      slow to change) and metal (loud, bright) stand out on several, which is why they are the \
      easiest genres for every model.
      """)
    notebook.command(["plot", "features", "--output", "figures/01-features.svg"], figure: "figures/01-features.svg")
    notebook.command(
      ["plot", "features", "--columns", "mfcc1_mean,mfcc2_mean,mfcc3_mean,mfcc4_mean,mfcc5_mean,mfcc6_mean", "--title", "MFCC means per genre",
       "--output", "figures/01-mfcc.svg"], figure: "figures/01-mfcc.svg")
  }

  /// The first clip of each genre folder, as paths relative to the output folder.
  static func firstClipPerGenre(_ folder: String, runner: CommandRunner) -> [String] {
    let files = InputDiscovery.audioFiles(in: [runner.directory.appendingPathComponent(folder).path])
    var seen = Set<String>()
    return files.filter { seen.insert(PathName.directory(of: $0)).inserted }.map(runner.relative)
  }

  // MARK: 02

  static let shallowModels = ReportChapter(name: "02-shallow-models", missing: { _ in nil }) { notebook, inputs in
    notebook.markdown(
      """
      # 02 · Shallow models on tables

      Four models with scikit-learn's defaults — k-nearest neighbours (`knn`), a random forest \
      (`forest`), multinomial logistic regression (`logreg`) and a one-hidden-layer perceptron (`mlp`) \
      — fitted and scored on the same folds: scikit-learn's `StratifiedGroupKFold`, where every row of \
      one group (a track here, an artist in the Spotify export) falls in one fold. Features are \
      standardised on each fold's training part.

      ## GTZAN: 1,000 clips, 57 features
      """)
    notebook.command(["compare", "--save-results", "work/02-gtzan.json"])
    notebook.markdown(summary(of: notebook.results("work/02-gtzan.json"), unit: "accuracy", anchor: "scikit-learn's 10-fold accuracies on this table are kNN 0.690, logistic regression 0.724, random forest 0.726 and MLP 0.761"))
    notebook.command(["plot", "compare", "work/02-gtzan.json", "--output", "figures/02-gtzan-compare.svg"], figure: "figures/02-gtzan-compare.svg")
    notebook.markdown(
      """
      The most accurate model's errors, summed over the five folds (each clip is scored once, by the \
      model that did not see it). Read a row as "of the clips of this genre, the share predicted as \
      each genre": the diagonal is each genre's recall.
      """)
    notebook.command(["plot", "confusion", "work/02-gtzan.json", "--output", "figures/02-gtzan-confusion.svg"], figure: "figures/02-gtzan-confusion.svg")
    notebook.markdown(
      """
      The 57 standardised features projected on their first two principal components. Classical and \
      metal sit apart; the others overlap, which no linear view undoes.
      """)
    notebook.command(["plot", "pca", "--output", "figures/02-gtzan-pca.svg"], figure: "figures/02-gtzan-pca.svg")
    guard let spotify = inputs.spotify else { return }
    notebook.markdown(
      """
      ## A Spotify-style export: 32,833 tracks, 12 audio features

      The label is `playlist_genre` (6 classes) and the group `track_artist`, so no artist is on both \
      sides of the split: one holdout of 20 % of the artists.
      """)
    notebook.command(
      ["compare", spotify, "--label", "playlist_genre", "--group", "track_artist", "--features", spotifyFeatures, "--test-size", "0.2",
       "--save-results", "work/02-spotify.json"])
    notebook.markdown(summary(of: notebook.results("work/02-spotify.json"), unit: "accuracy", anchor: "scikit-learn reaches 0.570 (random forest), 0.545 (MLP), 0.492 (kNN) and 0.468 (logistic regression) on these features"))
    notebook.command(["plot", "compare", "work/02-spotify.json", "--output", "figures/02-spotify-compare.svg"], figure: "figures/02-spotify-compare.svg")
    notebook.command(["plot", "confusion", "work/02-spotify.json", "--output", "figures/02-spotify-confusion.svg"], figure: "figures/02-spotify-confusion.svg")
  }

  /// One paragraph on a comparison's measured results.
  static func summary(of results: ComparisonResults?, unit: String, anchor: String) -> String {
    guard let results else { return "(The comparison above failed: its error is in the cell's output.)" }
    let fitted = results.rows.compactMap { row in row.scores.last.flatMap { $0 }.map { (row.name, $0) } }.sorted { $0.1.mean > $1.1.mean }
    guard let best = fitted.first, let worst = fitted.last else { return "No model could be fitted." }
    let ranking = fitted.map { String(format: "%@ %.3f", $0.0, $0.1.mean) }.joined(separator: ", ")
    let folds = results.rows.first?.reports.count ?? 0
    let spread = folds > 1 ? String(format: "%.3f ± %.3f over %d folds", best.1.mean, best.1.std, folds) : String(format: "%.3f on the test part", best.1.mean)
    return String(
      format: "Measured here (%@), %@: %@. The most accurate is **%@** (%@), %.1f points above %@; for reference, %@.",
      results.split, unit, ranking, best.0, spread, (best.1.mean - worst.1.mean) * 100, worst.0, anchor)
  }

  // MARK: 03

  static let networks = ReportChapter(name: "03-fnn-cnn-handcrafted", missing: { $0.audio == nil ? "--audio" : nil }) { notebook, inputs in
    let audio = inputs.audio!
    notebook.markdown(
      """
      # 03 · FNN vs CNN vs handcrafted features, on one split of the tracks

      Every kind of model, each on its own input, on **one split of the tracks** (5 folds): no \
      segment of a test track was seen in training, whatever the model.

      - `knn`, `forest`, `logreg`, `mlp` on the 57 handcrafted features, of whole 30-s clips and of 3-s segments;
      - `hmm-diag`, `hmm-full`: a Gaussian HMM per genre (4 states) on the 13 MFCC of each frame of each 3-s segment;
      - `cnn`: three blocks of 3 × 3 convolutions, max-pooling and BatchNorm, then a dense layer, on each segment's 128 × 130 log-mel spectrogram;
      - `fnn`: the same spectrogram flattened into two dense layers (256 and 64 units).

      A track's verdict is the majority vote of its segments. "Segment accuracy" scores every 3-s \
      segment on its own; "track accuracy" scores the verdicts.
      """)
    notebook.command(
      ["compare", "--audio", audio, "--folds", "5", "--cache", "work/cache", "--save-split", "work/03-split.csv", "--save-results", "work/03-audio.json"])
    notebook.markdown(summary(of: notebook.results("work/03-audio.json"), unit: "track accuracy", anchor: "our Keras anchor on 300 tracks of the same genres is CNN 0.92–0.95 and FNN 0.83–0.85 by track"))
    notebook.command(["plot", "compare", "work/03-audio.json", "--output", "figures/03-compare.svg"], figure: "figures/03-compare.svg")
    notebook.markdown("The CNN's track verdicts over the five folds:")
    notebook.command(["plot", "confusion", "work/03-audio.json", "--model", "cnn", "--output", "figures/03-cnn-confusion.svg"], figure: "figures/03-cnn-confusion.svg")
    notebook.markdown(
      """
      ## Learning curves

      The networks of the first fold, trained again on its training tracks (of which 20 % are held \
      out, by track, for early stopping): the loss and accuracy of every epoch on the training \
      batches and on the held-out tracks. The CNN's validation loss is high for the first epochs, \
      while BatchNorm's running statistics catch up with the weights; early stopping waits for them, \
      and keeps the weights of the epoch with the lowest validation loss.
      """)
    notebook.command(["dataset", audio, "--representation", "logmel", "--output", "work/03-logmel"])
    for model in ["cnn", "fnn"] {
      notebook.command(["train", "work/03-logmel", "--model", model, "--split", "work/03-split.csv", "--output", "work/03-\(model).json"])
      notebook.command(["plot", "curves", "work/03-\(model).json", "--output", "figures/03-\(model)-curves.svg"], figure: "figures/03-\(model)-curves.svg")
    }
    notebook.markdown("The CNN on the first fold's test tracks (per segment below, per track in the log):")
    notebook.command(["evaluate", "work/03-cnn.json", "work/03-logmel"])
  }

  // MARK: 04

  static let leakage = ReportChapter(
    name: "04-leakage", missing: { $0.audio == nil && $0.faultFiltered == nil ? "--audio or --fault-filtered" : nil }
  ) { notebook, inputs in
    notebook.markdown(
      """
      # 04 · Leakage: how much the usual numbers are inflated

      A model scored on what it has, in effect, already seen looks better than it is. Two common ways \
      this happens with GTZAN:

      1. **Segments of one song on both sides.** The Kaggle 3-s table has ten rows per clip; a random \
      split of its rows puts segments of most test songs in the training part too.
      2. **Artists on both sides.** GTZAN has many clips per artist (and some repeated or distorted \
      clips); a random split of the tracks puts the same artists in training and test. The \
      fault-filtered split of Kereliuk, Sturm and Larsen (2015) keeps every artist on one side.

      The same models, the same features, only the split changes.
      """)
    if let audio = inputs.audio {
      notebook.markdown("## 1. Segments: a random split of the rows against a split of the tracks")
      notebook.command(["extract", audio, "--segment-seconds", "3", "--output", "work/04-segments.csv"])
      notebook.command(["compare", "work/04-segments.csv", "--group", "row", "--save-results", "work/04-random-rows.json", "--format", "csv"])
      notebook.command(["compare", "work/04-segments.csv", "--save-results", "work/04-by-track.json", "--format", "csv"])
      notebook.markdown(
        inflation(
          notebook.results("work/04-random-rows.json"), notebook.results("work/04-by-track.json"), leaky: "random rows", honest: "by track"))
    }
    if let lists = inputs.faultFiltered {
      notebook.markdown("## 2. Artists: random tracks against the fault-filtered split (the bundled 30-s table)")
      let files = ["train_filtered.txt", "valid_filtered.txt", "test_filtered.txt"].map { PathName.joining(lists, $0) }.joined(separator: ",")
      notebook.command(["compare", "--save-results", "work/04-random-tracks.json", "--format", "csv"])
      notebook.command(["compare", "--split-lists", files, "--save-results", "work/04-fault-filtered.json", "--format", "csv"])
      notebook.markdown(
        inflation(
          notebook.results("work/04-random-tracks.json"), notebook.results("work/04-fault-filtered.json"), leaky: "random tracks",
          honest: "fault-filtered"))
      notebook.command(["plot", "compare", "work/04-fault-filtered.json", "--title", "The fault-filtered split", "--output", "figures/04-fault-filtered.svg"],
        figure: "figures/04-fault-filtered.svg")
    }
  }

  /// A markdown table of each model's accuracy under a leaky and an honest split.
  static func inflation(_ leaky: ComparisonResults?, _ honest: ComparisonResults?, leaky leakyName: String, honest honestName: String) -> String {
    guard let leaky, let honest else { return "(A comparison above failed: its error is in the cell's output.)" }
    var lines = ["| model | accuracy, \(leakyName) | accuracy, \(honestName) | inflation |", "|---|---|---|---|"]
    var gaps: [Double] = []
    for row in leaky.rows {
      guard let a = row.scores.last.flatMap({ $0 }), let b = honest.rows.first(where: { $0.name == row.name })?.scores.last.flatMap({ $0 }) else { continue }
      gaps.append(a.mean - b.mean)
      lines.append(String(format: "| %@ | %.3f | %.3f | %+.1f points |", row.name, a.mean, b.mean, (a.mean - b.mean) * 100))
    }
    let mean = gaps.isEmpty ? 0 : gaps.reduce(0, +) / Double(gaps.count) * 100
    return lines.joined(separator: "\n") + String(format: "\n\nOn average the %@ split reports %.1f points more than the %@ one.", leakyName, mean, honestName)
  }
}

extension NotebookWriter {
  /// Compare's saved results, or nil when the command failed.
  func results(_ path: String) -> ComparisonResults? { try? ComparisonResults.read(runner.directory.appendingPathComponent(path).path) }
}
