#!/usr/bin/env python3
"""Validates notebooks as Jupyter reads them: nbformat.validate on nbformat.read(path, as_version=4),
and checks each is in nbformat's canonical form (the bytes nbformat.write would save), so that
opening and saving one in Jupyter changes nothing.

    scripts/validate-notebooks.py notebooks-export/*.ipynb
"""
import sys

import nbformat

failures = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as file:
        text = file.read()
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds
        print(f"{path}: invalid: {error}", file=sys.stderr)
        failures += 1
        continue
    if nbformat.writes(notebook) + "\n" != text:
        print(f"{path}: valid, but not in nbformat's canonical form", file=sys.stderr)
        failures += 1
        continue
    print(f"{path}: valid nbformat {notebook.nbformat}.{notebook.nbformat_minor}, {len(notebook.cells)} cells")
sys.exit(1 if failures else 0)
