# Shared by the guest shell tests (sourced as /tests/lib/tap): TAP result
# lines, and waiting for a dirtyscope tracing command to attach.

n=0
failed=0

# ok STATUS DESCRIPTION: "ok N ..." when STATUS is 0, "not ok N ..." else
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}

# wait_banner FILE: until a tracing command has attached (60 s at most)
# (its counter is local: busybox ash has "local", and callers loop on i)
# shellcheck disable=SC3043
wait_banner() {
	local tries=0

	while ! grep -q '^Tracing' "$1" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -gt 300 ] && return 1
		sleep 0.2
	done
}
