#!/bin/sh
# The offline replay of a recorded migration agrees with the migration.
#
# For each case the reference pre-copy loop (/tests/migrate) migrates 8 MiB
# under a clear policy while the edu device writes 8000 pages/s, recorded
# with "dirtyscope record --bitmaps"; it must lose no write.  Then
# "dirtyscope policy replay REC --compare RUN" replays the recording
# through the same policy code, following the recording (its calls where
# the recorded ones were, however long the host made them), and must agree
# with the run: when it made the recorded calls it read every recorded
# bitmap, so pages sent, re-sent and sent while stopped and the passes
# must be equal (redundant sends are printed, not judged: they depend on
# where in its interval a write fell, which no bitmap records; else every
# count within max(15%, 24 pages), passes within 1).  Last, "policy
# recommend" names a policy for each recording.
# TAP output; run by /init as /tests/policy_agree.
. /tests/lib/tap

echo "1..19"

DS=dirtyscope
T=/tmp/policy_agree
mkdir -p $T

# the first migration after boot runs slow (TCG translates the paths)
/tests/migrate -p eager -r 1000 -o /dev/null --max-lag-us 1000000 ||
	echo "# warm-up migration failed"

# migrate_recorded NAME ARGS...: record one migration; retried when the
# emulator stalled (exit 3: the run did not keep to its schedule)
migrate_recorded() {
	name=$1
	shift
	for try in 1 2 3 4 5; do
		$DS record --bitmaps -o $T/$name.jsonl -- \
			/tests/migrate -r 8000 -o $T/$name.json "$@" \
			2> $T/$name.err
		rc=$?
		[ $rc = 3 ] || break
		echo "# $name: emulator stalled, again ($try)"
	done
	sed 's/^/# /' $T/$name.err
	return $rc
}

for c in iommufd:eager:uniform iommufd:manual:hotset iommufd:chunked:1:ring \
	 iommufd:adaptive:hotset type1:eager:hotset type1:manual:uniform \
	 type1:chunked:4:uniform type1:adaptive:ring; do
	uapi=${c%%:*}
	rest=${c#*:}
	wl=${rest##*:}
	pol=${rest%:*}
	name=$uapi-$pol-$wl
	migrate_recorded $name --uapi $uapi -p $pol -w $wl
	ok $? "$uapi, $pol, $wl: migrated under 'dirtyscope record --bitmaps', no write lost"
	$DS policy replay $T/$name.jsonl --compare $T/$name.json > $T/$name.cmp 2>&1
	rc=$?
	sed 's/^/# /' $T/$name.cmp
	ok $rc "$uapi, $pol, $wl: the replay of the recording agrees with the run"
done

for name in iommufd-eager-uniform iommufd-manual-hotset iommufd-chunked:1-ring; do
	$DS policy recommend $T/$name.jsonl > $T/rec-$name.txt 2>&1
	rc=$?
	sed 's/^/# /' $T/rec-$name.txt
	grep -q '^recommend: ' $T/rec-$name.txt || rc=1
	ok $rc "policy recommend names a policy for the $name recording"
done

exit $failed
