#!/usr/bin/env bash
# Label MBPP solutions on a CPU in about a minute (the simulated completer; see scripts/quickstart.sh for
# the tiny world with a real trained policy): label solutions with first-error PRM labels.
# The solutions are MBPP reference solutions plus one variant of each with a bug injected at a known
# line; the completer is the simulated "reference" backend (it completes prefixes of the reference
# solution with probability 0.5), so the labels can be checked by eye. With a real policy, replace
# `--samples ... --backend reference` by `--checkpoint MODEL --backend vllm` (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${PRM_LABEL_DATA:-../shared/data}
OUT=${1:-runs/quickstart}
mkdir -p "$OUT"
.venv/bin/python -m prm_labeler.bugs --problems "$DATA/sanitized-mbpp.json" --out "$OUT/samples.jsonl" --limit 40 >&2
.venv/bin/prm-label collect --problems "$DATA/sanitized-mbpp.json" --samples "$OUT/samples.jsonl" \
  --out "$OUT/labels" --backend reference --n 8
.venv/bin/prm-label inspect "$OUT/labels"
.venv/bin/prm-label export --data "$OUT/labels" --format trl --out "$OUT/trl.jsonl"
echo "labeled dataset: $OUT/labels (datasets.load_from_disk); TRL stepwise export: $OUT/trl.jsonl" >&2
