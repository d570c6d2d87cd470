/* Phase timestamps for profiling the start path (bench/phases.sh):
   holo_trace_init and holo_trace are public (libcontainer.h).

   HOLO_TRACE=FILE makes every holo_trace() call append one line
   "PID MONOTONIC_US PHASE" to FILE.  Unset, a call is one branch.  The
   file is opened for each line, so processes of the clone chain trace too
   (until the init's pivot_root hides the host path: later phases are seen
   from holo's side of the sync channel).  */
#ifndef HOLO_TRACE_H
#define HOLO_TRACE_H

#include "libcontainer.h"

#endif
