#!/usr/bin/env python3
"""Phase tables for bench/phases.sh.

  phases.py trace FILE...    holo's HOLO_TRACE files (one per run): median
                             time of each phase, from the previous line
  phases.py strace FILE...   `strace -f -ttt` logs of one runtime (one per
                             run): median time between landmark syscalls
"""
import collections
import re
import statistics
import sys


def trace_table(files):
    deltas = collections.OrderedDict()
    totals = []
    for f in files:
        rows = []
        with open(f) as fh:
            for line in fh:
                pid, t, phase = line.rstrip("\n").split(" ", 2)
                rows.append((int(t), phase))
        rows.sort(key=lambda r: r[0])
        seen = collections.Counter()
        prev = rows[0][0]
        for t, phase in rows:
            seen[phase] += 1
            key = phase if seen[phase] == 1 else "%s (%d)" % (phase, seen[phase])
            deltas.setdefault(key, []).append(t - prev)
            prev = t
        totals.append(rows[-1][0] - rows[0][0])
    out = ["| phase (ends at this trace point) | median µs | share |", "| --- | ---: | ---: |"]
    total = statistics.median(totals)
    for k, v in deltas.items():
        m = statistics.median(v)
        out.append("| %s | %d | %.0f%% |" % (k, m, 100.0 * m / total))
    out.append("| **exec to reaped** | **%d** | |" % total)
    return "\n".join(out)


# Landmarks, in the order they happen.  Each is (name, predicate on a
# parsed strace line); the first line matching after the previous
# landmark counts.
LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")


def landmarks(path):
    lines = []
    with open(path) as fh:
        for raw in fh:
            m = LINE.match(raw)
            if m:
                lines.append((int(m.group(1)), float(m.group(2)), m.group(3)))
    if not lines:
        return None
    main_pid = lines[0][0]
    t0 = lines[0][1]
    marks = collections.OrderedDict()
    marks["start (execve)"] = t0

    def find(pred, start=0):
        for i in range(start, len(lines)):
            if pred(lines[i]):
                return i
        return None

    # The self re-exec (memfd/overlay/bind mount): execveat of an fd.
    i = find(lambda l: l[0] == main_pid and l[2].startswith("execveat("))
    pos = 0
    if i is not None:
        marks["re-exec of the runtime"] = lines[i][1]
        pos = i
    # The clone that creates the container's namespaces.
    i = find(lambda l: l[0] == main_pid and re.match(r"clone3?\(.*CLONE_NEW", l[2]) is not None, pos)
    if i is None:
        return None
    marks["clone of the init (namespaces)"] = lines[i][1]
    pos = i
    # Last cgroup.procs write by the runtime (every v1 hierarchy done).
    last = None
    for j in range(pos, len(lines)):
        if lines[j][0] == main_pid and "cgroup.procs" in lines[j][2] and "O_WRONLY" in lines[j][2]:
            last = j
    if last is not None:
        marks["init in its cgroups"] = lines[last][1]
        pos = last
    # The container process: execve of anything but the runtime.
    i = find(lambda l: l[0] != main_pid and l[2].startswith("execve(") and "/bin/true" in l[2], pos)
    if i is None:
        return None
    marks["execve of the container process"] = lines[i][1]
    cpid = lines[i][0]
    pos = i
    i = find(lambda l: l[0] == cpid and "+++ exited" in l[2], pos)
    if i is not None:
        marks["container process exited"] = lines[i][1]
        pos = i
    i = find(lambda l: l[0] == main_pid and "+++ exited" in l[2], pos)
    if i is not None:
        marks["runtime exited (state, cgroups removed)"] = lines[i][1]
    return marks


def strace_table(files):
    per = collections.OrderedDict()
    for f in files:
        m = landmarks(f)
        if m is None:
            continue
        prev = None
        for k, t in m.items():
            per.setdefault(k, []).append(0.0 if prev is None else (t - prev) * 1e6)
            prev = t
        per.setdefault("total", []).append((list(m.values())[-1] - list(m.values())[0]) * 1e6)
    return {k: statistics.median(v) for k, v in per.items()}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "trace":
        print(trace_table(sys.argv[2:]))
    elif sys.argv[1] == "strace":
        # phases.py strace NAME=FILE,FILE... NAME=...: one column per runtime.
        cols = collections.OrderedDict()
        for spec in sys.argv[2:]:
            name, files = spec.split("=", 1)
            cols[name] = strace_table(files.split(","))
        keys = []
        for c in cols.values():
            for k in c:
                if k not in keys:
                    keys.append(k)
        print("| landmark (time since the previous one, under strace) | " + " | ".join("%s µs" % n for n in cols) + " |")
        print("| --- |" + " ---: |" * len(cols))
        for k in keys:
            if k == "start (execve)":
                continue
            cells = []
            for c in cols.values():
                cells.append("%d" % c[k] if k in c else "–")
            label = "**%s**" % k if k == "total" else k
            print("| %s | %s |" % (label, " | ".join(cells)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
