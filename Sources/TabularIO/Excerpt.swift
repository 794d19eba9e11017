/// Untrusted text as a message shows it: quoted, control characters escaped, and cut after
/// `limit` characters, so that an error never echoes a megabyte field or breaks its line.
public func excerpt(_ text: some StringProtocol, limit: Int = 80) -> String {
  var out = "'"
  for (count, character) in text.enumerated() {
    if count == limit {
      out += "…"
      break
    }
    if character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
      out += character.unicodeScalars.map { "\\u{\(String($0.value, radix: 16))}" }.joined()
    } else {
      out.append(character)
    }
  }
  return out + "'"
}
