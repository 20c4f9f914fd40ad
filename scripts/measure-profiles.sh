#!/usr/bin/env bash
# Measures what each setting of the `dist` profile buys: builds the binary once per variant,
# from clean, for one target, and prints a Markdown table row per variant (size, wall-clock and
# CPU build time). Slow: a full build per variant (about 5 to 10 minutes each on 2 cores).
#
#   scripts/measure-profiles.sh [TARGET]    # default: x86_64-unknown-linux-musl
#
# Builds in $MEASURE_TARGET_DIR (default: target/measure), which it empties per variant.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-x86_64-unknown-linux-musl}"
dir="${MEASURE_TARGET_DIR:-target/measure}"

# name | settings layered on `release` (as `--config` keys of the variant's profile)
variants=(
  "release (as today: line tables, thin-local LTO, 16 units)|"
  "+ strip, no debug info|debug=false strip=true"
  "+ lto = thin|debug=false strip=true lto=\"thin\""
  "+ lto = fat|debug=false strip=true lto=\"fat\""
  "+ lto = fat, codegen-units = 1|debug=false strip=true lto=\"fat\" codegen-units=1"
  "+ lto = fat, codegen-units = 1, panic = abort|debug=false strip=true lto=\"fat\" codegen-units=1 panic=\"abort\""
  "+ lto = fat, codegen-units = 1, opt-level = s|debug=false strip=true lto=\"fat\" codegen-units=1 opt-level=\"s\""
  "+ lto = fat, codegen-units = 1, opt-level = z|debug=false strip=true lto=\"fat\" codegen-units=1 opt-level=\"z\""
)
only="${MEASURE_ONLY:-}"

echo "| variant | binary | build (wall) | build (CPU) |"
echo "|---|---:|---:|---:|"
n=0
for variant in "${variants[@]}"; do
  n=$((n + 1))
  if [ -n "$only" ] && [[ " $only " != *" $n "* ]]; then continue; fi
  name="${variant%%|*}"
  settings="${variant#*|}"
  profile="measure$n"
  args=(--config "profile.$profile.inherits=\"release\"")
  for setting in $settings; do
    args+=(--config "profile.$profile.$setting")
  done
  rm -rf "$dir"
  start=$(date +%s.%N)
  cpu_before=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  CARGO_TARGET_DIR="$dir" cargo build --quiet --locked --target "$target" --profile "$profile" \
    "${args[@]}" 2>/dev/null
  end=$(date +%s.%N)
  cpu_after=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  ticks=$(getconf CLK_TCK)
  bin="$dir/$target/$profile/docspace-rooms"
  size=$(stat -c %s "$bin")
  printf '| %s | %.1f MB (%d bytes) | %.0f s | %.0f s |\n' "$name" \
    "$(echo "$size / 1000000" | bc -l)" "$size" \
    "$(echo "$end - $start" | bc -l)" "$(echo "($cpu_after - $cpu_before) / $ticks" | bc -l)"
done
rm -rf "$dir"
