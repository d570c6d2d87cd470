/* Values from config.json, process.json or the command line end up in
   messages; their control characters must not reach a terminal or a log
   line raw (a newline forges a line, an escape sequence rewrites the
   screen).  */
#ifndef HOLO_ESCAPE_H
#define HOLO_ESCAPE_H

/* A malloc'ed copy of S in which every C0 control (and DEL) is written as
   \n, \r, \t or \xNN, every C1 control as \u00NN, and every byte that is
   not part of valid UTF-8 as \xNN.  Everything else is kept as is.  */
char *holo_escape_control (const char *s);

#endif
