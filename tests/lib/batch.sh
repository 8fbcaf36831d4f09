# tests/lib/batch.sh - run directories for the batch tests and benchmark
# (sourced by tests/cli/test_batch.sh, tests/cli/test_browser.sh,
# tests/cli/test_site_hugo.sh, tests/cli/test_site_mkdocs.sh and
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

#   make_two_archives
#       writes bench-may.tar.gz and bench-june.tar.xz in the current
#       directory (make_runs under src/a/ and src/b/: seeds 21 and 22, 2 May
#       and 11 Jun 2025, 6 trials per model), the two archives of the site
#       tests.
make_two_archives() {
  make_runs src/a/runs 21 2025-05-02 6
  make_runs src/b/runs 22 2025-06-11 6
  tar -czf bench-may.tar.gz -C src/a runs
  tar -cJf bench-june.tar.xz -C src/b runs
}

#   make_archives DIR N TRIALS
#       writes DIR/runs-0001.tar.gz ... DIR/runs-N.tar.gz in one go, each
#       holding runs/bare-metal/ and runs/vm/ as make_runs writes them (seed
#       i, dated 2024-01-01 + i days, TRIALS trials per model), for the
#       batch benchmark.
make_archives() {
  python3 - "$@" <<'PY'
import datetime, io, json, os, random, sys, tarfile
out, n, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
models = ["mistral:7b", "gemma2:9b", "phi4:14b", "deepseek-r1:14b"]
base = {"mistral:7b": 50.1, "gemma2:9b": 35.06, "phi4:14b": 27.52, "deepseek-r1:14b": 25.1}
os.makedirs(out, exist_ok=True)
for i in range(1, n + 1):
    date = (datetime.date(2024, 1, 1) + datetime.timedelta(days=i)).isoformat()
    rng = random.Random(i)
    files = []
    for env, label, factor in (("bare-metal", "Bare Metal", 1.0), ("vm", "VM (vfio-pci)", 0.985)):
        rows = ["run_id,environment,started_at,model,trial,warmup,status,"
                "eval_count,eval_duration_ns,eval_rate\n"]
        for k, m in enumerate(models):
            mean = base[m] * factor
            for t in range(1, trials + 1):
                rate = rng.gauss(mean, mean * 0.01)
                dur = int(round(256 / rate * 1e9))
                rows.append('%s-%d,%s,%sT10:%02d:%02d.000Z,"%s",%d,0,ok,256,%d,%.4f\n' % (
                    env, i, env, date, k, t % 60, m, t, dur, 256 / dur * 1e9))
        manifest = {"schema": "ptbench.manifest/1", "environment": env, "label": label,
                    "status": "complete", "started_at": date + "T10:00:00.000Z",
                    "ended_at": date + ("T11:00:00.000Z" if env == "vm" else "T10:30:00.000Z")}
        files.append(("runs/%s/trials.csv" % env, "".join(rows).encode()))
        files.append(("runs/%s/manifest.json" % env, (json.dumps(manifest, indent=2) + "\n").encode()))
    with tarfile.open(os.path.join(out, "runs-%04d.tar.gz" % i), "w:gz") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1700000000, 0o644
            tar.addfile(info, io.BytesIO(data))
PY
}
