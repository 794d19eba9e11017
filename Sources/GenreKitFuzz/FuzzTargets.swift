import AudioFeatures
import Foundation
import GenreKitServer
import Learning
import NIOCore
import TabularIO
import TensorIO

/// The fuzz targets: each takes any bytes and must return — an error is an answer — without a
/// crash, a hang or an out-of-bounds read (AddressSanitizer watches). Built with
/// `-sanitize=fuzzer,address -DFUZZING` (bench/fuzz.sh) this is a libFuzzer binary for the target
/// named by `GENREKIT_FUZZ_TARGET`; built normally it replays files through a target
/// (`genrekit-fuzz <target> <files or folders>...`), as the regression tests do with the corpus.
enum FuzzTarget: String, CaseIterable {
  /// Bytes as a CSV feature table (the table reader: errors with line and column).
  case table
  /// Bytes as a model file (JSON, tensors inline or beside), every model kind.
  case model
  /// Bytes as a safetensors archive (the network weights and every model's tensors).
  case tensors
  /// Bytes as a `.npy` array (dataset features).
  case npy
  /// Bytes as an audio file, decoded, and the 57 features of what decodes.
  case audio
  /// `serve`'s upload route: the bytes up to the first newline are the Content-Type header, the
  /// rest the request body; the file it carries goes on as `audio`.
  case upload

  /// Where inputs become files for the readers that take paths.
  static let scratch: String = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("genrekit-fuzz-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }()

  func run(_ bytes: [UInt8]) {
    switch self {
    case .table:
      // From memory: writing a file per input would limit the run to ~1,100 inputs a second.
      var options = TableOptions()
      options.labelColumn = "label"
      options.dropUnlabelled = true
      _ = try? TableReader.read(bytes: bytes, path: "input.csv", options: options)
    case .model:
      let path = Self.file(bytes, extension: "json")
      if let model = try? ModelFile.read(path: path), model.kind.input == .featureRows {
        // A model that loads must also predict (on a row of zeros) without a crash.
        _ = try? model.pipeline.probabilities(Matrix(rows: 1, columns: model.featureNames.count, values: Array(repeating: 0, count: model.featureNames.count)))
      }
    case .tensors:
      if let archive = try? TensorArchive(serialized: bytes) {
        for name in archive.tensors.keys.sorted() { _ = try? archive.floats(name, shape: archive.tensors[name]!.shape) }
      }
    case .npy:
      _ = try? NumpyArray(serialized: bytes)
    case .audio:
      let path = Self.file(bytes, extension: "wav")
      if let signal = try? loadSignal(atPath: path), !signal.samples.isEmpty, signal.samples.count <= 30 * Framing.sampleRate {
        _ = FrameAnalysis(signal: signal.samples).summary
      }
    case .upload:
      let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
      let contentType = String(decoding: bytes[..<newline], as: UTF8.self)
      let body = ByteBuffer(bytes: bytes[min(newline + 1, bytes.endIndex)...])
      if let upload = try? Upload(body: body, contentType: contentType, name: nil), !upload.bytes.isEmpty {
        FuzzTarget.audio.run(upload.bytes)
      }
    }
  }

  /// `bytes` as the scratch file for this target (rewritten for every input).
  static func file(_ bytes: [UInt8], extension suffix: String) -> String {
    let path = PathName.joining(scratch, "input.\(suffix)")
    // A scratch file that cannot be written would leave the target reading the previous input.
    precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write the scratch file \(path)")
    return path
  }
}

#if FUZZING
  // libFuzzer's driver, called from this executable's own main (SwiftPM renames an executable's
  // main, so libFuzzer's cannot stand in).
  @_silgen_name("LLVMFuzzerRunDriver")
  func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32

  nonisolated(unsafe) var fuzzTarget = FuzzTarget.table

  @main
  struct Fuzz {
    static func main() {
      let name = ProcessInfo.processInfo.environment["GENREKIT_FUZZ_TARGET"] ?? ""
      guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set GENREKIT_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      fuzzTarget = target
      var argc = CommandLine.argc
      var argv = CommandLine.unsafeArgv
      exit(runFuzzerDriver(&argc, &argv) { data, size in
        fuzzTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
      })
    }
  }
#else
  @main
  struct Replay {
    static func main() {
      let arguments = Array(CommandLine.arguments.dropFirst())
      guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
        FileHandle.standardError.write(Data("usage: genrekit-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) <files or folders>...\n".utf8))
        exit(2)
      }
      var count = 0
      for path in arguments.dropFirst() {
        let files = (FileManager.default.subpaths(atPath: path)?.map { PathName.joining(path, $0) } ?? [path]).sorted()
        for file in files {
          var isDirectory: ObjCBool = false
          guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue,
            let bytes = FileManager.default.contents(atPath: file)
          else { continue }
          target.run(Array(bytes))
          count += 1
        }
      }
      print("\(target.rawValue): \(count) inputs, no crash")
    }
  }
#endif
