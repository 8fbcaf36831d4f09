#!/usr/bin/env bash
# CLI tests of the report as a whole (issue 11): from collected data
# (tests/data/report/collected: two simulated servers probed through the
# sysroots of tests/data/sysroot, 3 sessions each), imported data
# (tests/data/report/imported) and published data (data/article):
#   - every metric the trials hold gets its section, its charts named by it,
#     the charts of every trial when the report has the trials;
#   - index.html beside README.md: the page's CSS, SVG charts, no script,
#     nothing fetched from elsewhere;
#   - the method section and the narrative (article.md) equal the goldens of
#     tests/golden/report/ on the three kinds of data
#     (PTBENCH_GOLDEN_UPDATE=1 rewrites them for review);
#   - the narrative has no empty interpolation and no double space on any
#     of them: its templates are rendered once with every {{value}} marked;
#   - the machine's facts by name, telemetry in the details, the notes;
#   - a distribution of more than 5,000 trials is a PNG, also for the page.
. "$(dirname "$0")/../lib/cli.sh"
cd "$PTBENCH_SRC" || exit 1

COLLECTED=tests/data/report/collected
IMPORTED=tests/data/report/imported
PUBLISHED=data/article
# the three kinds of data the golden files and the narrative checks loop over
declare -A DATA_OF=([collected]=$COLLECTED [imported]=$IMPORTED [published]=$PUBLISHED)
GOLDEN=tests/golden/report

expect_file_has() {
  if grep -qF -- "$2" "$1"; then ok; else fail "$1 lacks '$2'"; fi
}
expect_file_lacks() {
  if grep -qF -- "$2" "$1"; then fail "$1 has '$2'"; else ok; fi
}

# --- a report from collected data ---------------------------------------
t "report from collected data, default formats"
run "$PTBENCH" report --quiet --out "$TMP/c" "$COLLECTED"
expect_status 0
[ -z "$out$err" ] && ok || fail "output: $out$err"
# every metric the trials hold (load time: only the warm-ups have one, and
# they are left out), four charts each in PNG and SVG, and the page
want="README.md analysis.json"
for m in eval_rate prompt_eval_rate ttft_ns wall_ns; do
  for k in distribution means penalty timeline; do want="$want $m-$k.png $m-$k.svg"; done
done
want="$want index.html table.md"
got=$(cd "$TMP/c" && LC_ALL=C ls | tr '\n' ' ')
[ "$got" = "$(printf '%s\n' $want | LC_ALL=C sort | tr '\n' ' ')" ] && ok ||
  fail "files: $got"
jq -e '.other_metrics | map(.metric.name) == ["prompt_eval_rate", "ttft_ns", "wall_ns"]' \
  "$TMP/c/analysis.json" >/dev/null && ok || fail "other_metrics: $(jq -c '.other_metrics | map(.metric.name)' "$TMP/c/analysis.json")"

t "each metric: a section, its table in its unit, its charts with alt text"
readme=$TMP/c/README.md
for h in "## At a glance" "## Generation rate" "## Prompt processing rate" \
         "## Time to first token" "## Wall time per request" "## Method" "## Details" \
         "## Environments" "## Appendix: the prompts"; do
  expect_file_has "$readme" "$h"
done
expect_file_has "$readme" "Time to first token in ms (lower is better):"
expect_file_has "$readme" "Generation rate in tokens/s (higher is better):"
# every image the page embeds is a file of the report, with a description
grep -o '!\[[^]]*\]([^)]*)' "$readme" >"$TMP/images"
[ "$(wc -l <"$TMP/images")" -eq 16 ] && ok || fail "$(wc -l <"$TMP/images") images, want 16"
while IFS= read -r img; do
  file=${img##*(}
  file=${file%)}
  alt=${img#\![}
  alt=${alt%%](*}
  [ -f "$TMP/c/$file" ] && ok || fail "embeds $file, which is not there"
  [ ${#alt} -gt 40 ] && ok || fail "$file: alt text '$alt'"
done <"$TMP/images"

t "the verdicts in words, the penalty's direction said"
# the fake servers run at the article's rates (50.10 and 49.27 tokens/s for
# mistral:7b, ...): the VM is slower, and 3 sessions each tell it apart
grep -qE '^\| Generation rate \| VM \| [0-9.]+% \| \[[0-9.]+%, [0-9.]+%\] \| worse \| [0-9.]+% \|$' "$readme" &&
  ok || fail "no verdict for the generation rate: $(grep '^| Generation rate' "$readme")"
expect_file_has "$readme" "a lower rate or a longer time is a positive penalty"

t "the machine by name, the notes, what differs"
for row in "| GPU | AMD Navi 44 \[Radeon RX 9050 / 9060 XT\] (1002:7590), 16.0 GiB VRAM |" \
           "| PCIe link | 16 GT/s x16 |" "| PCIe link | 2.5 GT/s x1 |" \
           "| BAR | 16 GiB (Resizable BAR: the whole VRAM) |" "| BAR | 256 MiB (no Resizable BAR) |" \
           "| GPU | AMD GPU 1002:7590, 16.0 GiB VRAM |" "| ROCm | 6.4.1-83 |" \
           "| OS | Ubuntu 24.04.3 LTS |" "| Note: qemu | QEMU 8.2.2 (q35) |" \
           "| GPU driver | amdgpu |" "| Other GPUs | Red Hat Virtio 1.0 GPU (virtio\_gpu) |"; do
  expect_file_has "$readme" "$row"
done
expect_file_has "$readme" "- PCIe link to the GPU: 16 GT/s x16 on bare-metal, 2.5 GT/s x1 on vm;"

t "telemetry per environment in the details: the sysroots' hwmon values"
# tests/data/sysroot: amd-bare-metal freq1_input 500000000 Hz, temp2_input
# (junction) 44000 m°C, power1_input 12000000 µW; amd-vm 500 MHz, 45 °C,
# power1_average 13 W
expect_file_has "$readme" "| GPU clock (MHz) | GPU temp. (°C) | GPU power (W) |"
expect_file_has "$readme" "| 500 | 44 | 12.0 |"
expect_file_has "$readme" "| 500 | 45 | 13.0 |"

t "per prompt, in the details"
expect_file_has "$readme" "| Model | Prompt | Bare Metal | VM | Penalty (%) |"
[ "$(grep -c '^| mistral:7b | explain |' "$readme")" = 4 ] && ok ||
  fail "explain of mistral:7b not once per metric"

t "index.html: the page's CSS, SVG charts, no script, nothing fetched"
html=$TMP/c/index.html
expect_file_has "$html" "<title>Bare Metal vs VM</title>"
expect_file_has "$html" "<style>"
expect_file_has "$html" "<table>"
expect_file_lacks "$html" "<script"
expect_file_lacks "$html" "<link"
if grep -qiE '(src|href)="(https?:)?//|url\(|@import' "$html"; then
  fail "index.html fetches something: $(grep -oiE '(src|href)="(https?:)?//[^"]*' "$html" | head -3)"
else ok; fi
[ "$(grep -o '<img src="[^"]*\.svg" alt="[^"]\+"' "$html" | wc -l)" -eq 16 ] && ok ||
  fail "SVG images with alt text: $(grep -o '<img src="[^"]*"' "$html" | head -20)"
# the CSS is the site's: one template holds it
css=$(sed -n '/<style>/,/<\/style>/p' templates/page.html.mustache)
[ "$(sed -n '/<style>/,/<\/style>/p' "$html")" = "$css" ] && ok || fail "not the site's CSS"

# --- goldens: the method section and the narrative -------------------------
# golden NAME FILE: FILE equals tests/golden/report/NAME
golden() {
  if [ "${PTBENCH_GOLDEN_UPDATE:-}" = 1 ]; then
    mkdir -p "$GOLDEN"
    cp "$2" "$GOLDEN/$1"
  fi
  if cmp -s "$2" "$GOLDEN/$1"; then ok; else
    fail "$2 differs from $GOLDEN/$1:"
    diff "$GOLDEN/$1" "$2" | head -20 >&2
  fi
}

for kind in collected imported published; do
  data=${DATA_OF[$kind]}
  t "$kind data: the method section"
  run "$PTBENCH" report --quiet --template method.md --formats none --out "$TMP/$kind-method" "$data"
  expect_status 0
  golden "$kind-method.md" "$TMP/$kind-method/README.md"
  t "$kind data: the narrative"
  run "$PTBENCH" report --quiet --template article.md --formats svg --out "$TMP/$kind-article" "$data"
  expect_status 0
  golden "$kind-article.md" "$TMP/$kind-article/README.md"
done

t "published data: the article as the article published it"
a=$TMP/published-article/README.md
expect_file_has "$a" "# Measuring GPU Passthrough Overhead Using vfio-pci on AI Linux"
expect_file_has "$a" "Each side ran llm-benchmark, which calls \`ollama run --verbose\` and keeps"
expect_file_has "$a" "5 prompts, with 1 run per prompt"
while IFS= read -r row; do expect_file_has "$a" "$row"; done <tests/golden/article-table.md
expect_file_has "$a" "is **1.20%** slower than bare metal"
expect_file_has "$a" "undetermined. One session per environment"
# nothing the published data does not say
for claim in "ptbench collect" "warm-up run of each" "per environment, after" "(1002:"; do
  expect_file_lacks "$a" "$claim"
done

t "collected data: no claim of llm-benchmark, warm-ups absent or published numbers"
a=$TMP/collected-article/README.md
for claim in llm-benchmark "no warm-up" "published numbers" "the same hardware" "small price"; do
  expect_file_lacks "$a" "$claim"
done
expect_file_has "$a" "Each side ran \`ptbench collect\`"
expect_file_has "$a" "a real slowdown"
expect_file_has "$a" "*Generated by ptbench $("$PTBENCH" --version | awk '{print $2}') from the collected trials.*"

t "imported data: what the logs know and nothing more"
a=$TMP/imported-article/README.md
for claim in "## Test setup" "served by" "on a single" "warm-up" "published numbers" "ptbench collect"; do
  expect_file_lacks "$a" "$claim"
done
expect_file_has "$a" "The trials come from llm-benchmark logs, imported with \`ptbench import\`"
expect_file_has "$a" "the verdict is
undetermined."

# --- no empty interpolation, no double space -----------------------------
# Every {{value}} of the narrative's templates (article.md, the table it
# includes, method.md) is wrapped in marks; rendered on each kind of data,
# no pair of marks may be empty. Then the text as shipped may hold no double
# space inside a line, no "****" (empty bold), no space before . or ,.
mkdir -p "$TMP/marked"
for tpl in article.md method.md table.md; do
  python3 - "templates/$tpl.mustache" "$TMP/marked/$tpl.mustache" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
# {{name}}, {{{name}}}, {{&name}}: not sections, partials, comments or delimiters
tag = re.compile(r"(\{\{\{[^}]*\}\}\}|\{\{(?![#^/>!=])[^}]*\}\})")
open(sys.argv[2], "w", encoding="utf-8").write(tag.sub(lambda m: "\u27e6" + m.group(1) + "\u27e7", text))
PY
done
for kind in collected imported published; do
  data=${DATA_OF[$kind]}
  for tpl in article.md method.md; do
    t "$kind data, $tpl: no empty interpolation"
    run "$PTBENCH" report --quiet --templates "$TMP/marked" --template "$tpl" --formats svg \
      --out "$TMP/marked-$kind-$tpl" "$data"
    expect_status 0
    if grep -n '⟦⟧' "$TMP/marked-$kind-$tpl/README.md" >"$TMP/empty"; then
      fail "empty interpolation: $(head -3 "$TMP/empty")"
    else ok; fi
    grep -q '⟦' "$TMP/marked-$kind-$tpl/README.md" && ok || fail "the marks did not take"
  done
  for f in "$TMP/$kind-article/README.md" "$TMP/$kind-method/README.md"; do
    t "$kind data, $(basename "$(dirname "$f")"): no double space, empty bold or space before a stop"
    if grep -nE '[^ ]  +[^ ]|\*\*\*\*| [.,]( |$)' "$f" >"$TMP/bad"; then
      fail "$(head -3 "$TMP/bad")"
    else ok; fi
  done
done

# --- render from analysis.json alone -----------------------------------------
t "render from a report's analysis.json: every metric, and what it cannot draw"
run "$PTBENCH" render --quiet --out "$TMP/r" "$TMP/c/analysis.json"
expect_status 0
for m in eval_rate prompt_eval_rate ttft_ns wall_ns; do
  [ -f "$TMP/r/$m-means.png" ] && [ -f "$TMP/r/$m-penalty.svg" ] && ok || fail "$m: no bars"
  [ ! -e "$TMP/r/$m-distribution.png" ] && ok || fail "$m: a distribution without trials"
done
[ "$(grep -c 'which analysis.json does not hold' "$TMP/r/README.md")" = 4 ] && ok ||
  fail "the note on the trial charts is not under every metric"

# --- a distribution of many trials ----------------------------------------
t "a distribution of more than 5,000 trials is a PNG, and the page shows it"
awk 'BEGIN { srand(3); print "run_id,seq,environment,model,eval_rate"
  for (e = 0; e < 2; e++) for (s = 1; s <= 2; s++) for (i = 1; i <= 1300; i++)
    printf "r%d%d,%d,%s,m:7b,%.3f\n", e, s, i, e ? "vm" : "bare-metal", 50 - e + rand() }' \
  >"$TMP/many.csv"
run "$PTBENCH" report --quiet --out "$TMP/many" "$TMP/many.csv"
expect_status 0
[ -f "$TMP/many/eval_rate-distribution.png" ] && [ ! -e "$TMP/many/eval_rate-distribution.svg" ] &&
  [ -f "$TMP/many/eval_rate-timeline.svg" ] && ok || fail "files: $(ls "$TMP/many")"
expect_file_has "$TMP/many/index.html" '<img src="eval_rate-distribution.png"'
expect_file_has "$TMP/many/index.html" '<img src="eval_rate-timeline.svg"'

# --- formats ------------------------------------------------------------------
t "--formats html alone: the page, no charts"
run "$PTBENCH" report --quiet --formats html --out "$TMP/h" "$IMPORTED"
expect_status 0
[ "$(cd "$TMP/h" && ls | tr '\n' ' ')" = "README.md analysis.json index.html table.md " ] && ok ||
  fail "files: $(ls "$TMP/h")"
expect_file_lacks "$TMP/h/index.html" "<img"
run "$PTBENCH" report --quiet --formats html,gif --out "$TMP/h2" "$IMPORTED"
expect_status 2
expect_err_has "unknown chart format 'gif'"
[ ! -e "$TMP/h2" ] && ok || fail "$TMP/h2 written"

t "--metric lists"
run "$PTBENCH" report --quiet --metric ttft_ns,eval_rate --formats none --out "$TMP/l" "$COLLECTED"
expect_status 0
expect_file_has "$TMP/l/README.md" "# Bare Metal vs VM"
[ "$(grep -m1 '^## ' "$TMP/l/README.md")" = "## At a glance" ] && ok || fail "no glance"
[ "$(grep '^## ' "$TMP/l/README.md" | sed -n 2p)" = "## Time to first token" ] && ok ||
  fail "the first metric named is not first"
run "$PTBENCH" report --metric eval_rate,eval_rate --out "$TMP/l2" "$COLLECTED"
expect_status 2
expect_err_has "metric 'eval_rate' named twice"
run "$PTBENCH" report --metric eval_rate,, --out "$TMP/l2" "$COLLECTED"
expect_status 2
expect_err_has "empty metric name in 'eval_rate,,'"
run "$PTBENCH" report --quiet --metric ttft_ns --out "$TMP/l3" "$PUBLISHED"
expect_status 3
expect_err_has "no 'ttft_ns' column"

t "bad trials stop every metric: the file, line and column named"
printf 'model,environment,eval_rate,ttft_ns\nm,vm,12,5x\n' >"$TMP/bad.csv"
run "$PTBENCH" report --out "$TMP/bad-report" "$TMP/bad.csv"
expect_status 3
expect_err_has "bad.csv:2:4: 'ttft_ns' is not"
[ ! -e "$TMP/bad-report" ] && ok || fail "$TMP/bad-report written"

# --- review findings --------------------------------------------------------
t "an undetermined verdict shows no p in the details (its p decides nothing)"
# one session per environment: the verdict is undetermined and p_adjusted
# null; the p the table shows must not be the raw p_value under the
# caption "Holm-adjusted"
awk 'BEGIN { srand(3); print "run_id,model,environment,prompt_id,eval_rate"
  for (s = 0; s < 2; s++) for (t = 0; t < 27; t++)
    printf "s%d,m1,%s,p%d,%.4f\n", s, s ? "vm" : "bare-metal", t % 3, 50 * (1 + 0.03 * (t % 3)) * (1 + 0.002 * rand()) }' \
  >"$TMP/one.csv"
run "$PTBENCH" report --quiet --out "$TMP/one" "$TMP/one.csv"
expect_status 0
jq -e '.models[0].comparisons[0] | .verdict == "undetermined" and .p_adjusted == null and (.p_value | type) == "number"' \
  "$TMP/one/analysis.json" >/dev/null && ok || fail "not the undetermined case"
grep -qE '^\| m1 \| vm \| .* \| — \| undetermined \|' "$TMP/one/README.md" && ok ||
  fail "details row: $(grep '^| m1 | vm' "$TMP/one/README.md")"
expect_file_lacks "$TMP/one/README.md" "over 1 models"
expect_file_has "$TMP/one/README.md" "- **vm** against bare-metal: penalty "

t "values near the largest double: the charts are drawn"
printf 'model,environment,eval_rate\nm,vm,1e308\nm,bare-metal,1.5e308\n' >"$TMP/huge.csv"
run "$PTBENCH" report --quiet --formats svg --out "$TMP/huge" "$TMP/huge.csv"
expect_status 0
[ -s "$TMP/huge/eval_rate-means.svg" ] && ok || fail "no means chart: $err"

finish
