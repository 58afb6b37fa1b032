#!/usr/bin/env bash
# The example pipeline, end to end (run by .ci/run; works from a clone):
# lint and unit-test the consumer in its own venv (git-ignored, pinned
# dependencies), start it on a free port, then test it as the README says:
# `labelhook check URL` and `labelhook run --pipeline URL examples/pipeline/`.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"
artifacts="${CI_ARTIFACTS:-${TMPDIR:-/tmp}/labelhook-ci}"
mkdir -p "$artifacts"

venv=.venv
rm -rf "$venv"
"${PYTHON:-python3.11}" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: -r requirements-dev.txt
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
"$venv/bin/pytest" -q -p no:cacheprovider

(cd ../.. && go build -o "examples/pipeline/$venv/bin/labelhook" ./cmd/labelhook)
labelhook="$venv/bin/labelhook"

# The consumer prints its webhook URL on its first line.
"$venv/bin/python" consumer.py --port 0 >"$venv/consumer.out" 2>"$venv/consumer.log" &
consumer=$!
trap 'kill "$consumer" 2>/dev/null || true; wait "$consumer" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 100); do
	url="$(sed -n 's/^listening on //p' "$venv/consumer.out")"
	[ -n "$url" ] && break
	sleep 0.1
done
if [ -z "$url" ]; then
	echo "the consumer did not start:"
	cat "$venv/consumer.log"
	exit 1
fi

"$labelhook" check --junit "$artifacts/pipeline-check.xml" "$url"
"$labelhook" run --junit "$artifacts/pipeline-scenarios.xml" --pipeline "$url" .
