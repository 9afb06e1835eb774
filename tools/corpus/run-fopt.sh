#!/usr/bin/env bash
# Runs the product on the corpus the way a user would (inspect, profile, optimize from the README's commands) and
# keeps every command's output and exit code, for samples/corpus/FINDINGS.md. Dev-time only.
#
#   dotnet build src/FunctionsOpt.Cli
#   bash tools/corpus/run-fopt.sh /tmp/corpus-run                 # every model in samples/corpus/manifest.json
#   bash tools/corpus/run-fopt.sh /tmp/corpus-run gru-tones-opset17
#
# Writes OUT/<model>/<step>.txt (command, exit code, output) and OUT/<model>/opt-*/runs/... (fopt's own run folders),
# then OUT/summary.md via tools/corpus/summarize_run.py.
set -u
cd "$(dirname "$0")/../.."
OUT=${1:-/tmp/corpus-run}; shift || true
FOPT=${FOPT:-"dotnet src/FunctionsOpt.Cli/bin/Debug/net10.0/fopt.dll"}
MANIFEST=samples/corpus/manifest.json
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <(/usr/bin/python3 -c "import json; [print(m['name']) for m in json.load(open('$MANIFEST'))['models']]")
fi
mkdir -p "$OUT"

step() {  # step <model> <label> <command...>
  local model=$1 label=$2; shift 2
  local log="$OUT/$model/$label.txt" start end rc
  mkdir -p "$OUT/$model"
  start=$(date +%s.%N)
  "$@" > "$log.body" 2>&1; rc=$?
  end=$(date +%s.%N)
  { echo "\$ $*"; echo "exit code: $rc"; printf 'wall seconds: %.1f\n' "$(echo "$end - $start" | bc)"; echo "---"; cat "$log.body"; } > "$log"
  rm -f "$log.body"
  echo "$model $label rc=$rc"
  return $rc
}

for name in "${names[@]}"; do
  read -r path data dman < <(/usr/bin/python3 -c "
import json
m = {e['name']: e for e in json.load(open('$MANIFEST'))['models']}['$name']
print('samples/corpus/' + m['path'], 'samples/corpus/' + m['data'], 'samples/corpus/' + m['data_manifest'])")
  rm -rf "$OUT/$name"
  step "$name" inspect $FOPT inspect "$path"
  step "$name" profile-npz $FOPT profile "$path" --data "$data" --json "$OUT/$name/profile.json" ||
    step "$name" profile-npz-no-memory $FOPT profile "$path" --data "$data" --no-memory --json "$OUT/$name/profile.json"
  step "$name" optimize-npz $FOPT optimize "$path" --data "$data" --max-accuracy-drop 0.02 --out "$OUT/$name/opt-npz"
  step "$name" optimize-manifest $FOPT optimize "$path" --data "$dman" --max-accuracy-drop 0.02 --out "$OUT/$name/opt-manifest"
  for best in "$OUT/$name"/opt-*/runs/*/best/model.onnx; do
    [ -f "$best" ] || continue
    kind=$(basename "$(dirname "$(dirname "$(dirname "$(dirname "$best")")")")")
    step "$name" "inspect-best-$kind" $FOPT inspect "$best"
  done
done
/usr/bin/python3 tools/corpus/summarize_run.py "$OUT" > "$OUT/summary.md"
echo "summary: $OUT/summary.md"
