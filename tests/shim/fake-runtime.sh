#!/bin/sh
# A runtime binary for the shim tests (given to the shim as BinaryName):
# records every command line, then
#   - for a command named in $FAKE_RUNTIME_HANG, hangs: a child sleeps (its
#     pid in $FAKE_RUNTIME_DIR/hung.pid) and this script waits for it, so
#     that only killing the whole process group ends both;
#   - for a command named in $FAKE_RUNTIME_OK, succeeds doing nothing;
#   - for anything else, runs the real runtime ($FAKE_RUNTIME_REAL).
# The command is the first argument after go-runc's global flags.
dir=${FAKE_RUNTIME_DIR:?}
echo "$*" >>"$dir/argv.log"
cmd=
skip=0
for a in "$@"; do
	if [ "$skip" = 1 ]; then
		skip=0
		continue
	fi
	case $a in
	--root | --log | --log-format) skip=1 ;;
	--*) ;;
	*)
		cmd=$a
		break
		;;
	esac
done
for h in ${FAKE_RUNTIME_HANG:-}; do
	if [ "$h" = "$cmd" ]; then
		sleep 1000 &
		echo $! >"$dir/hung.pid"
		wait
		exit 0
	fi
done
for o in ${FAKE_RUNTIME_OK:-}; do
	[ "$o" = "$cmd" ] && exit 0
done
exec "${FAKE_RUNTIME_REAL:?}" "$@"
