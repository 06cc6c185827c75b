#!/bin/bash
# VSHUF screen (log/vshuf-rule.txt): seeds in order; stops after a seed more than .02 below its baseline.
. .venv/bin/activate
base=(.8313 .7284 .7974)
for k in "$@"; do
  python bench/cross_db.py --recipe config/recording.json --set train.v_timing_shuffle=0.5 --leads 0 1 \
    --scenarios grouped --validation-only --seeds $k --folds $k > log/vshuf-cross-db-seed$k.log 2>&1 || exit 1
  python log/probes/screen_read.py $k recording-train.v_timing_shuffle=0.5 train.v_timing_shuffle=0.5 \
    > log/vshuf-screen-seed$k.log 2>&1 || exit 1
  d=$(grep -o "D recording-train.v_timing_shuffle=0.5 [0-9.]*" log/vshuf-screen-seed$k.log | awk '{print $3}')
  echo "seed $k: D $d against ${base[$k]}"
  python -c "import sys; sys.exit(0 if $d >= ${base[$k]} - .02 else 1)" || { echo "seed $k more than .02 below: stop"; exit 0; }
done
