import Foundation
import Notebooks
import Testing

/// Notebooks in nbformat 4.5's canonical form, with the fields its schema requires.
@Suite struct NotebookTests {
  static let notebook: Notebook = {
    var notebook = Notebook()
    notebook.markdown("# Title\n\nA paragraph with “quotes” and a tab\there.")
    notebook.code("!genrekit compare", outputs: [.stream(name: "stderr", text: "genrekit: 1000 rows\n"), .stream(name: "stdout", text: "a\nb\n")])
    notebook.code("SVG(\"f.svg\")", outputs: [.svg("<svg>\n</svg>\n", plainText: "<IPython.core.display.SVG object>")])
    return notebook
  }()

  @Test func writesNbformatsCanonicalForm() {
    // What `json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)` writes for these cells.
    let expected = #"""
      {
       "cells": [
        {
         "cell_type": "markdown",
         "id": "cell-0001",
         "metadata": {},
         "source": [
          "# Title\n",
          "\n",
          "A paragraph with “quotes” and a tab\there."
         ]
        },
        {
         "cell_type": "code",
         "execution_count": 1,
         "id": "cell-0002",
         "metadata": {},
         "outputs": [
          {
           "name": "stderr",
           "output_type": "stream",
           "text": [
            "genrekit: 1000 rows\n"
           ]
          },
          {
           "name": "stdout",
           "output_type": "stream",
           "text": [
            "a\n",
            "b\n"
           ]
          }
         ],
         "source": [
          "!genrekit compare"
         ]
        },
        {
         "cell_type": "code",
         "execution_count": 2,
         "id": "cell-0003",
         "metadata": {},
         "outputs": [
          {
           "data": {
            "image/svg+xml": [
             "<svg>\n",
             "</svg>\n"
            ],
            "text/plain": [
             "<IPython.core.display.SVG object>"
            ]
           },
           "execution_count": 2,
           "metadata": {},
           "output_type": "execute_result"
          }
         ],
         "source": [
          "SVG(\"f.svg\")"
         ]
        }
       ],
       "metadata": {
        "kernelspec": {
         "display_name": "Python 3",
         "language": "python",
         "name": "python3"
        },
        "language_info": {
         "name": "python"
        }
       },
       "nbformat": 4,
       "nbformat_minor": 5
      }

      """#
    #expect(Self.notebook.json == expected)
  }

  /// The schema's required fields, read back as JSON (nbformat.validate runs on real notebooks in
  /// scripts/validate-notebooks.py when Python's nbformat is installed).
  @Test func requiredFieldsAndUniqueIds() throws {
    let document = try #require(try JSONSerialization.jsonObject(with: Data(Self.notebook.json.utf8)) as? [String: Any])
    #expect(document["nbformat"] as? Int == 4 && document["nbformat_minor"] as? Int == 5)
    let cells = try #require(document["cells"] as? [[String: Any]])
    var ids = Set<String>()
    for cell in cells {
      let id = try #require(cell["id"] as? String)
      #expect(ids.insert(id).inserted && id.range(of: "^[a-zA-Z0-9-_]{1,64}$", options: .regularExpression) != nil)
      #expect(cell["metadata"] is [String: Any] && cell["source"] is [String])
      if cell["cell_type"] as? String == "code" {
        #expect(cell["execution_count"] is Int && cell["outputs"] is [[String: Any]])
      }
    }
  }
}
