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
