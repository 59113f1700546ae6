/*
 * One emulated mod_wsgi process (an Apache child in embedded mode, or one daemon process):
 * runs in a forked child so that a libpython that aborts (Py_FatalError) or crashes takes only
 * this process down; the parent keeps the stderr text, which is the diagnosis.
 */
#ifndef WSGIDOCTOR_CHILD_H
#define WSGIDOCTOR_CHILD_H

#include "json.h"

/* Exit codes of a child process (the parent reports them; see README.md). */
enum {
    CHILD_OK = 0,
    CHILD_LOAD_FAILED = 10,     /* dlopen() of the library failed */
    CHILD_SYMBOLS_MISSING = 11, /* not a usable libpython */
    CHILD_USER_FAILED = 12,     /* could not switch to the Apache user */
    CHILD_INIT_FAILED = 13,     /* Py_InitializeFromConfig() returned an error status */
    CHILD_SPEC_INVALID = 14
};

typedef struct {
    const json_node *spec;    /* the whole request spec */
    const json_node *process; /* this process' object */
    int index;                /* position in spec.processes */
    int result_fd;            /* where JSON lines go */
} child_args;

/* Never returns: ends with _exit(). stdout and stderr are already the parent's capture pipe. */
void child_main(const child_args *args) __attribute__((noreturn));

#endif
