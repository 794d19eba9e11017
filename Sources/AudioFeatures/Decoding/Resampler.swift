import CSoxr
import Foundation

/// Band-limited resampling with libsoxr at the quality librosa ≥ 0.10 uses (`res_type='soxr_hq'`:
/// `soxr_quality_spec(SOXR_HQ, 0)`, float32 in and out), output trimmed or zero-padded to
/// `ceil(N · to / from)` samples as `librosa.resample` does.
public func resample(_ samples: [Float], from inputRate: Int, to outputRate: Int) throws(AudioDecodingError)
  -> [Float]
{
  let outputLength = Int((Double(samples.count) * Double(outputRate) / Double(inputRate)).rounded(.up))
  var ioSpec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
  var qualitySpec = soxr_quality_spec(UInt(SOXR_HQ), 0)
  var error: soxr_error_t? = nil
  guard let soxr = soxr_create(Double(inputRate), Double(outputRate), 1, &error, &ioSpec, &qualitySpec, nil),
    error == nil
  else {
    throw .resamplingFailed(error.map { String(cString: $0) } ?? "soxr_create failed")
  }
  defer { soxr_delete(soxr) }

  // Room for the whole output plus soxr's flush; then trim to librosa's length.
  var output = [Float](repeating: 0, count: outputLength + 1024)
  var produced = 0
  var done = 0
  samples.withUnsafeBufferPointer { input in
    output.withUnsafeMutableBufferPointer { out in
      error = soxr_process(soxr, input.baseAddress, input.count, nil, out.baseAddress, out.count, &done)
      produced = done
      if error == nil {
        // Flush what the filter still holds.
        error = soxr_process(soxr, nil, 0, nil, out.baseAddress! + produced, out.count - produced, &done)
        produced += done
      }
    }
  }
  if let error { throw .resamplingFailed(String(cString: error)) }
  output.removeSubrange(min(produced, outputLength)...)
  if output.count < outputLength { output += [Float](repeating: 0, count: outputLength - output.count) }
  return output
}
