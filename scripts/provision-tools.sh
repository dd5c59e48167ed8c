#!/usr/bin/env bash
# Builds the current Prometheus-ecosystem tools the rules, chart and packaging tests check with, beside Debian's
# older promtool/amtool: promtool from Prometheus 3, amtool from a current Alertmanager, helm, kubeconform and
# sloth, each pinned, with `go install` from the Go module proxy. Idempotent: a tool already built at its pinned
# version is kept, so a warm run takes well under a second.
#   ${FLINK_GUARDIAN_TOOLS:-$HOME/.cache/flink-guardian/tools}/bin/{promtool3,amtool-current,helm,kubeconform,sloth}
# Usage: scripts/provision-tools.sh [tool ...]   (default: all of them)
set -euo pipefail

dir="${FLINK_GUARDIAN_TOOLS:-$HOME/.cache/flink-guardian/tools}"
mkdir -p "$dir/bin"

# name  module@version
declare -A tools=(
  [promtool3]="github.com/prometheus/prometheus/cmd/promtool@v0.316.0"
  [amtool-current]="github.com/prometheus/alertmanager/cmd/amtool@v0.35.0"
  [helm]="helm.sh/helm/v3/cmd/helm@v3.21.4"
  [kubeconform]="github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0"
  [sloth]="github.com/slok/sloth/cmd/sloth@v0.16.0"
)

wanted=("$@")
[[ ${#wanted[@]} -gt 0 ]] || wanted=("${!tools[@]}")

for name in "${wanted[@]}"; do
  spec="${tools[$name]:?unknown tool $name}"
  stamp="$dir/bin/.$name.version"
  if [[ -x "$dir/bin/$name" && "$(cat "$stamp" 2>/dev/null)" == "$spec" ]]; then continue; fi
  gobin="$(mktemp -d "$dir/build.XXXXXX")"
  if ! out="$(GOBIN="$gobin" GOFLAGS=-mod=mod go install "$spec" 2>&1)"; then
    echo "provision-tools: go install $spec failed:" >&2
    echo "$out" >&2
    rm -rf "$gobin"
    exit 1
  fi
  built="$gobin/$(basename "${spec%@*}")"
  mv -f "$built" "$dir/bin/$name"
  echo "$spec" > "$stamp"
  rm -rf "$gobin"
  echo "provision-tools: $name ($spec) ready in $dir/bin"
done
