# Sourced by the bench scripts: the repository root as the working directory, bench/out, the
# reference venv's python (PYTHON overrides it) and the release genrekit, built as
# scripts/run-main-job builds it (Swift runtime linked statically).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=${PYTHON:-.venv-ref/bin/python}
out=bench/out
mkdir -p "$out"
swift build -c release --product genrekit --static-swift-stdlib >/dev/null
genrekit=.build/release/genrekit
