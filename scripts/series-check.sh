#!/usr/bin/env bash
# Check the kernel series the way a maintainer would, printing TAP:
#   - every patch passes scripts/checkpatch.pl --strict of the kernel tree;
#   - every prefix of the series builds (bisectable): the kernel.sh source
#     tree is brought back to the pristine source, then patches 1..k are
#     applied in place one at a time, each prefix built incrementally in the
#     kernel.sh build directory (the configuration is made again whenever a
#     patch changes a Kconfig file).
# A prefix that built once is remembered in $DIRTYSCOPE_CACHE/linux/bisect
# by the hash of its patches and config, so unchanged series cost nothing.
# The full series is rebuilt last, leaving the build as scripts/kernel.sh
# would.
#
# checkpatch runs with --ignore UNKNOWN_COMMIT_ID (the Debian source has no
# git history to resolve Fixes: tags against) and FILE_PATH_CHANGES (new
# files are covered by existing MAINTAINERS patterns).
#
# Usage: scripts/series-check.sh [checkpatch|bisect|all]
set -uo pipefail
. "$(dirname "$0")/common.sh"

SERIES_DIR=$DS_TOP/kernel-patches
STAMPS=$DIRTYSCOPE_CACHE/linux/bisect
n=0
failed=0

mapfile -t patches < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$SERIES_DIR/series" | grep -v '^$')

tap() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

pristine_tree() {
	local ver
	ver=$(cat "$DIRTYSCOPE_CACHE/linux/version" 2>/dev/null) ||
		die "no kernel source yet: run scripts/kernel.sh first"
	echo "$DIRTYSCOPE_CACHE/linux/pristine/$ver"
}

do_checkpatch() {
	local tree p out
	tree=$(pristine_tree)
	for p in "${patches[@]}"; do
		out=$(cd "$tree" && perl scripts/checkpatch.pl --strict -q \
			--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES \
			"$SERIES_DIR/$p" 2>&1)
		if [ -z "$out" ]; then
			tap ok "checkpatch --strict: $p"
		else
			tap fail "checkpatch --strict: $p"
			printf '%s\n' "$out" | sed 's/^/# /'
		fi
	done
}

# apply_next: patch the build's source tree with the next patch of the
# series, in place (patch rewrites only the files it changes, so the
# incremental build recompiles just those), and note whether it changes a
# Kconfig file (the configuration must then be made again).
SRC=$DIRTYSCOPE_CACHE/linux/src
applied=-1
need_config=0
apply_next() {
	local p=${patches[applied]}
	patch -s -p1 -d "$SRC" --fuzz=0 --forward --batch \
		--no-backup-if-mismatch -r - -i "$SERIES_DIR/$p" || return 1
	if grep -qE '^\+\+\+ b/(.*/)?Kconfig' "$SERIES_DIR/$p"; then
		need_config=1
	fi
	applied=$((applied + 1))
}

# Every prefix 1..k is built in order in the one build directory: the tree
# is brought to the pristine source once (scripts/kernel.sh with
# DS_SERIES_LIMIT=0), then each patch is applied in place before its build.
do_bisect() {
	local k key log total=${#patches[@]} why
	mkdir -p "$STAMPS"
	for ((k = 1; k <= total; k++)); do
		key=$( (cd "$SERIES_DIR" && cat "${patches[@]:0:k}") |
			cat - "$DS_TOP/tests/guest/kernel.config" "$DIRTYSCOPE_CACHE/linux/version" |
			sha256sum | cut -c1-16)
		if [ -f "$STAMPS/$key" ]; then
			tap ok "builds with patches 1-$k (${patches[k - 1]}), cached: built before as $key"
			continue
		fi
		progress series-check "building with patches 1-$k of $total"
		log=$(mktemp)
		why=""
		if [ "$applied" -lt 0 ]; then
			if DS_SERIES_LIMIT=0 "$DS_TOP/scripts/kernel.sh" source > "$log" 2>&1; then
				applied=0
				need_config=1
			else
				why="cannot prepare the pristine tree"
			fi
		fi
		while [ -z "$why" ] && [ "$applied" -lt "$k" ]; do
			apply_next || why="${patches[applied]} does not apply"
		done
		if [ -z "$why" ] && [ "$need_config" = 1 ]; then
			if DS_SERIES_LIMIT=$k "$DS_TOP/scripts/kernel.sh" config >> "$log" 2>&1; then
				need_config=0
			else
				why="configuration failed"
			fi
		fi
		if [ -z "$why" ] && ! "$DS_TOP/scripts/kernel.sh" build >> "$log" 2>&1; then
			why="build failed"
		fi
		if [ -z "$why" ]; then
			touch "$STAMPS/$key"
			tap ok "builds with patches 1-$k (${patches[k - 1]})"
		else
			tap fail "builds with patches 1-$k (${patches[k - 1]}): $why"
			tail -n 40 "$log" | sed 's/^/# /'
			# the tree is in an unknown state: start the next prefix afresh
			applied=-1
		fi
		rm -f "$log"
	done
	# Leave the build dir with the whole series, as the other suites expect.
	if [ "$total" -gt 0 ] && [ "$applied" -ge 0 ]; then
		"$DS_TOP/scripts/kernel.sh" > /dev/null 2>&1 ||
			tap fail "rebuild with the whole series"
	fi
}

case "${1:-all}" in
checkpatch) do_checkpatch ;;
bisect) do_bisect ;;
all) do_checkpatch; do_bisect ;;
*) die "usage: $0 [checkpatch|bisect|all]" ;;
esac
echo "1..$n"
exit "$failed"
