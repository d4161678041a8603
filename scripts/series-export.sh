#!/usr/bin/env bash
# Developer tool: export the kernel series from a git tree of the kernel
# (default $DIRTYSCOPE_CACHE/linux/dev, whose first commit is the pristine
# Debian source) into kernel-patches/ with git format-patch, and rewrite
# kernel-patches/series.  Usage: scripts/series-export.sh [GIT_TREE [BASE]]
set -euo pipefail
. "$(dirname "$0")/common.sh"

tree=${1:-$DIRTYSCOPE_CACHE/linux/dev}
base=${2:-$(git -C "$tree" rev-list --max-parents=0 HEAD)}
out=$DS_TOP/kernel-patches

rm -f "$out"/[0-9][0-9][0-9][0-9]-*.patch
git -C "$tree" -c core.abbrev=9 format-patch -q --no-signature --zero-commit -N \
	-o "$out" "$base..HEAD"
{
	sed -n '/^#/p' "$out/series"
	(cd "$out" && ls [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null || true)
} > "$out/series.new"
mv "$out/series.new" "$out/series"
progress series "exported $(grep -vc '^#' "$out/series") patch(es) to kernel-patches/"
