#!/bin/sh
# Runs `ktstr-guest --check-cell` over tests/cells: valid-*.conf must parse;
# invalid-*.conf must fail with the text of their "# expect: " line.
set -u
agent=${1:-$(dirname "$0")/../../out/ktstr-guest}
cells=$(dirname "$0")/cells
failed=0
for f in "$cells"/valid-*.conf; do
	if ! out=$("$agent" --check-cell "$f" 2>/dev/null); then
		echo "FAIL $f: $out"; failed=1
	fi
done
for f in "$cells"/invalid-*.conf; do
	want=$(sed -n 's/^# expect: //p' "$f")
	out=$("$agent" --check-cell "$f" 2>/dev/null) && { echo "FAIL $f: accepted"; failed=1; continue; }
	case "$out" in
	*"$want"*) ;;
	*) echo "FAIL $f: got '$out', want '$want'"; failed=1 ;;
	esac
done
[ $failed = 0 ] && echo "all cell checks passed"
exit $failed
