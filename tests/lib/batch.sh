# tests/lib/batch.sh - run directories for the batch tests and benchmark
# (sourced by tests/cli/test_batch.sh, tests/cli/test_browser.sh and
# bench/batch.sh).
#
#   make_runs DIR SEED DATE TRIALS [MODEL...]
#       writes DIR/bare-metal/ and DIR/vm/, each a run directory (trials.csv
#       with eval_count/eval_duration_ns/eval_rate, manifest.json with
#       started_at/ended_at on DATE, a YYYY-MM-DD), TRIALS trials per model
#       (default models: the article's four), values drawn from a fixed
#       seed so the same arguments give the same bytes.

make_runs() {
  python3 - "$@" <<'PY'
import json, os, random, sys
out, seed, date, trials = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
models = sys.argv[5:] or ["mistral:7b", "gemma2:9b", "phi4:14b", "deepseek-r1:14b"]
base = {"mistral:7b": 50.1, "gemma2:9b": 35.06, "phi4:14b": 27.52, "deepseek-r1:14b": 25.1}
rng = random.Random(seed)
for env, label, factor in (("bare-metal", "Bare Metal", 1.0), ("vm", "VM (vfio-pci)", 0.985)):
    d = os.path.join(out, env)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "trials.csv"), "w", newline="") as f:
        f.write("run_id,environment,started_at,model,trial,warmup,status,"
                "eval_count,eval_duration_ns,eval_rate\n")
        for i, m in enumerate(models):
            mean = base.get(m, 30.0 + 3 * i) * factor
            for t in range(1, trials + 1):
                rate = rng.gauss(mean, mean * 0.01)
                count = 256
                dur = int(round(count / rate * 1e9))
                f.write('%s-%d,%s,%sT10:%02d:%02d.000Z,"%s",%d,0,ok,%d,%d,%.4f\n' % (
                    env, seed, env, date, i % 60, t % 60, m.replace('"', '""'), t,
                    count, dur, count / dur * 1e9))
    manifest = {"schema": "ptbench.manifest/1", "environment": env, "label": label,
                "status": "complete", "started_at": date + "T10:00:00.000Z",
                "ended_at": date + ("T11:00:00.000Z" if env == "vm" else "T10:30:00.000Z")}
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
PY
}
