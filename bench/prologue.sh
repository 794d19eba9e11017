# Sourced by the bench scripts: the repository root as the working directory, bench/out, the
# reference venv's python (PYTHON overrides it) and the release genrekit, built as
# scripts/run-main-job builds it (Swift runtime linked statically) but in its own build folder, so
# that a benchmark does not make the next test build start from scratch.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=${PYTHON:-.venv-ref/bin/python}
out=bench/out
mkdir -p "$out"
swift build -c release --product genrekit --static-swift-stdlib --scratch-path .build-bench >/dev/null
genrekit=.build-bench/release/genrekit
