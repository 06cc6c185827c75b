set -e
for k in 1 2; do
  python bench/cross_db.py --recipe config/recording.json --set train.patient_power=0.5 --leads 0 1 --scenarios grouped --validation-only --seeds $k --folds $k --name recording-train.patient_power=0.5 > log/patb-cross-db-seed$k.log 2>&1
  python log/probes/screen_read.py $k recording-train.patient_power=0.5 train.patient_power=0.5 > log/patb-screen-seed$k.log 2>&1
done
