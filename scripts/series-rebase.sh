#!/usr/bin/env bash
# Follow Debian's linux-source-6.12 updates: rebase kernel-patches/ onto a
# newer (by default the newest served) Debian version, or check whether it
# still applies.  docs/design.md "Tracking Debian's 6.12.y" has the why.
#
#   scripts/series-rebase.sh [VERSION]       rebase (default: newest served)
#   scripts/series-rebase.sh --check [VER]   does VER take the series as it
#                                            is?  One line; exit 0 yes, 1 no,
#                                            2 cannot tell (no network...)
#   scripts/series-rebase.sh --newest        print the newest served version
#
# The rebase works in a git tree, $DIRTYSCOPE_CACHE/linux/rebase:
#   1. commit the pristine source of kernel-patches/BASE and apply the
#      series on it with git am (every pre-image blob is then in the repo);
#   2. commit the pristine source of VERSION on top of BASE's commit;
#   3. git am -3 the series there: a patch whose context changed is merged
#      three-way; a real conflict stops, naming the patch and its files;
#   4. when all apply, regenerate kernel-patches/ (scripts/series-export.sh)
#      and write VERSION to kernel-patches/BASE.
# After a conflict: resolve it in the tree, `git am --continue`, finish the
# series, then `scripts/series-rebase.sh --export VERSION`.
#
# Sources are Debian's binary packages, downloaded (apt-get download) into
# $DIRTYSCOPE_CACHE/linux/debs, never installed: the host's installed
# linux-source-6.12 is left alone.  Extracted trees are shared with
# scripts/kernel.sh ($DIRTYSCOPE_CACHE/linux/pristine/<version>).
set -euo pipefail
. "$(dirname "$0")/common.sh"

PKG=linux-source-6.12
SERIES_DIR=$DS_TOP/kernel-patches
LDIR=$DIRTYSCOPE_CACHE/linux
DEBS=$LDIR/debs
TREE=${DS_REBASE_TREE:-$LDIR/rebase}

series_patches() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$SERIES_DIR/series" | grep -v '^$' || true
}

# Every version of the package the archive serves, newest first.
served_versions() {
	apt-cache madison "$PKG" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' |
		sort -u | sort -rV
}

newest_served() {
	local v
	v=$(served_versions | head -n 1)
	[ -n "$v" ] || return 1
	echo "$v"
}

# fetch_deb VERSION: path of the downloaded .deb of that version.
fetch_deb() {
	local ver=$1 deb
	mkdir -p "$DEBS"
	deb=$(ls "$DEBS/${PKG}_${ver#*:}_all.deb" 2>/dev/null || true)
	if [ -z "$deb" ]; then
		progress rebase "downloading $PKG $ver"
		(cd "$DEBS" && apt-get download -q "$PKG=$ver" >/dev/null 2>&1) ||
			die "apt-get download $PKG=$ver failed (not served any more?)"
		deb=$(ls "$DEBS/${PKG}_${ver#*:}_all.deb")
	fi
	echo "$deb"
}

# pristine VERSION [FILE...]: extract the source of VERSION (only FILEs,
# which may not exist in it, when given: a quick look) and print its path.
pristine() {
	local ver=$1 dir deb
	shift
	if [ $# = 0 ]; then
		dir=$LDIR/pristine/$ver
		[ -f "$dir/.extracted" ] && { echo "$dir"; return 0; }
	else
		dir=$LDIR/peek/$ver
		rm -rf "$dir"
	fi
	deb=$(fetch_deb "$ver")
	progress rebase "extracting $PKG $ver${1:+ (the files the series touches)}"
	mkdir -p "$dir"
	# The .deb holds the source as a tarball of its own.
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$PKG.tar.xz" |
		tar -xJ -C "$dir" --strip-components=1 --wildcards \
			--no-wildcards-match-slash "${@/#/$PKG/}" 2>/dev/null ||
		[ $# -gt 0 ] || die "cannot extract $deb"
	[ $# -gt 0 ] || touch "$dir/.extracted"
	echo "$dir"
}

# The files the series reads (pre-images): what a dry run needs.
series_files() {
	local p
	series_patches | while read -r p; do
		sed -n 's|^--- a/||p' "$SERIES_DIR/$p"
	done | sort -u
}

series_hash() {
	(cd "$SERIES_DIR" && series_patches | xargs cat) | sha256sum | cut -c1-16
}

# check VERSION: does the series apply to VERSION as it is (patch --fuzz=0,
# as scripts/kernel.sh applies it)?  Cached by version and series content.
do_check() {
	local ver=$1 stamp dir p out
	stamp=$LDIR/takes/$ver-$(series_hash)
	if [ -f "$stamp" ]; then
		cat "$stamp"
		[ "$(head -c 3 "$stamp")" = yes ]
		return
	fi
	mapfile -t files < <(series_files)
	dir=$(pristine "$ver" "${files[@]}")
	out="yes: $PKG $ver takes the series"
	while read -r p; do
		if ! patch -s -p1 -d "$dir" --fuzz=0 --forward --batch \
			--no-backup-if-mismatch -r - -i "$SERIES_DIR/$p" >/dev/null 2>&1; then
			out="no: $PKG $ver rejects $p (rebase: scripts/series-rebase.sh $ver)"
			break
		fi
	done < <(series_patches)
	rm -rf "$dir"
	mkdir -p "$LDIR/takes"
	echo "$out" | tee "$stamp"
	[ "${out:0:3}" = yes ]
}

git_tree() { git -C "$TREE" -c user.name=dirtyscope -c user.email=dirtyscope@localhost "$@"; }

# commit_source VERSION: make the tree's work tree the pristine VERSION and
# commit it.
commit_source() {
	local ver=$1 src
	src=$(pristine "$ver")
	progress rebase "committing the pristine $ver"
	rsync -a --delete --exclude=/.git --exclude=/.extracted "$src/" "$TREE/"
	git_tree add -A -f . >/dev/null
	git_tree commit -q --allow-empty -m "Debian $PKG $ver"
}

do_export() {
	local ver=$1 base
	base=$(git_tree log --format=%H --grep="^Debian $PKG $ver\$" -n 1)
	[ -n "$base" ] || die "$TREE has no commit of the pristine $ver"
	"$DS_TOP/scripts/series-export.sh" "$TREE" "$base"
	echo "$ver" > "$SERIES_DIR/BASE"
	progress rebase "kernel-patches/ regenerated against $ver (BASE updated)"
}

do_rebase() {
	local new=$1 old
	old=$(cat "$SERIES_DIR/BASE")
	[ "$new" != "$old" ] || progress rebase "the series is already recorded against $new: re-applying"
	mapfile -t patches < <(series_patches | sed "s|^|$SERIES_DIR/|")
	rm -rf "$TREE"
	mkdir -p "$TREE"
	git_tree init -q
	git_tree config core.autocrlf false
	commit_source "$old"
	git_tree branch -q old-base
	progress rebase "applying the series to $old"
	git_tree am -q "${patches[@]}" ||
		die "the series does not apply to its own BASE $old: fix kernel-patches/ first"
	git_tree checkout -q old-base
	git_tree checkout -q -b rebased
	commit_source "$new"
	progress rebase "git am -3 the series onto $new"
	if ! git_tree am -q -3 "${patches[@]}" >/dev/null 2>&1; then
		local cur files
		cur=$(sed -n 's/^Subject: //p' "$TREE/.git/rebase-apply/final-commit" 2>/dev/null ||
			head -n 1 "$TREE/.git/rebase-apply/final-commit" 2>/dev/null || true)
		[ -n "$cur" ] || cur=$(head -n 1 "$TREE/.git/rebase-apply/msg" 2>/dev/null || true)
		files=$(git_tree diff --name-only --diff-filter=U | tr '\n' ' ')
		[ -n "$files" ] || files=$(git_tree am --show-current-patch=diff 2>/dev/null |
			sed -n 's|^+++ b/||p' | tr '\n' ' ')
		printf 'error: conflict rebasing onto %s at patch %s of %s: "%s"\n' \
			"$new" "$(cat "$TREE/.git/rebase-apply/next")" "${#patches[@]}" "$cur" >&2
		printf 'error: files: %s\n' "$files" >&2
		printf 'error: resolve in %s, git am --continue (or --skip), then\n' "$TREE" >&2
		printf 'error:   scripts/series-rebase.sh --export %s\n' "$new" >&2
		exit 1
	fi
	do_export "$new"
}

case "${1:-}" in
--newest)
	newest_served || die "no $PKG served (apt-get update?)"
	;;
--check)
	ver=${2:-$(newest_served)} || { echo "unknown: no $PKG served"; exit 2; }
	do_check "$ver"
	;;
--export)
	[ -n "${2:-}" ] || die "usage: $0 --export VERSION"
	do_export "$2"
	;;
-h | --help)
	sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	;;
-*)
	die "unknown option $1 (see $0 --help)"
	;;
*)
	ver=${1:-$(newest_served)} || die "no $PKG served (apt-get update?)"
	do_rebase "$ver"
	;;
esac
