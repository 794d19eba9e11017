import Testing
import TabularIO

@Suite struct PathNameTests {
  @Test(arguments: [
    ("a", "", "a", ""), ("-", "", "-", ""), ("x.csv", "", "x.csv", "csv"), ("dir/x.tar.gz", "dir", "x.tar.gz", "gz"),
    ("/x", "/", "x", ""), ("/", "/", "/", ""), ("a/b/", "a", "b", ""), ("a//b", "a", "b", ""), ("dir/.hidden", "dir", ".hidden", ""),
    ("é/ü.wav", "é", "ü.wav", "wav"),
  ])
  func dirnameAndBasenameAsPOSIX(path: String, directory: String, name: String, fileExtension: String) {
    #expect(PathName.directory(of: path) == directory)
    #expect(PathName.lastComponent(of: path) == name)
    #expect(PathName.fileExtension(of: path) == fileExtension)
  }

  @Test func joining() {
    #expect(PathName.joining("", "a") == "a")
    #expect(PathName.joining(".", "a") == "a")
    #expect(PathName.joining("/", "a") == "/a")
    #expect(PathName.joining("d", "a") == "d/a")
  }
}

@Suite struct SegmentNameTests {
  @Test(arguments: [
    ("blues.00000.3.wav", "blues.00000", 3), ("blues.00000.wav", "blues.00000", nil), ("blues.00000.au", "blues.00000", nil),
    ("blues/blues.00012.wav", "blues.00012", nil), ("x.00000.12.wav", "x.00000", 12), ("0.748", "0.748", nil),
    ("Song No. 5", "Song No", nil), ("a.3.wav", "a.3", nil),
  ] as [(String, String, Int?)])
  func namesAreReadBack(name: String, track: String, segment: Int?) {
    #expect(SegmentName(parsing: name) == SegmentName(track: track, segment: segment))
  }

  @Test func segmentNamesFollowTheKaggleTables() {
    #expect(SegmentName.name(ofSegment: 3, of: "audio/rock/rock.00027.flac") == "rock.00027.3.wav")
    #expect(SegmentName(parsing: SegmentName.name(ofSegment: 9, of: "x.00001.wav")) == SegmentName(track: "x.00001", segment: 9))
  }
}
