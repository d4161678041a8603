# Shared settings for the dirtyscope build and test-bed scripts.
# Sourced, not run.  Everything heavy lives in $DIRTYSCOPE_CACHE so that a
# clean clone (or CI) reuses earlier builds; an empty cache only costs time.

DS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIRTYSCOPE_CACHE=${DIRTYSCOPE_CACHE:-$HOME/.cache/dirtyscope}
export DIRTYSCOPE_CACHE
export CCACHE_DIR=${CCACHE_DIR:-$DIRTYSCOPE_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
CROSS_COMPILE=${CROSS_COMPILE:-aarch64-linux-gnu-}
export CROSS_COMPILE

ds_t0=${ds_t0:-$(date +%s)}

# progress NAME MESSAGE: one line with the elapsed time, to stderr.
progress() {
	local now
	now=$(date +%s)
	printf '[%4ds] %s: %s\n' "$((now - ds_t0))" "$1" "$2" >&2
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# hash_files FILE...: a short content hash of the named files (order kept).
hash_files() {
	cat "$@" 2>/dev/null | sha256sum | cut -c1-16
}
