/*
 * The part of the CPython C API the hosting program uses, resolved at run time with dlsym().
 *
 * No Python header is needed to build: every object is an opaque pointer, and only functions
 * whose signatures are the same in CPython 2.7 and 3.6-3.13 are used. Where a name differs
 * between 2.x and 3.x (PyString_* / PyBytes_*), both are tried. The struct layouts of PyConfig
 * and PyThreadState, which change between versions, are never touched (see child.c).
 */
#ifndef WSGIDOCTOR_PYAPI_H
#define WSGIDOCTOR_PYAPI_H

#include <stddef.h>
#include <sys/types.h>

typedef struct _object PyObject;
typedef struct _ts PyThreadState;
typedef struct _is PyInterpreterState;

/* PyStatus is the same in 3.8 to 3.13: returned by value from Py_InitializeFromConfig(). */
typedef struct {
    int type;  /* 0 ok, 1 error, 2 exit */
    const char *func;
    const char *err_msg;
    int exitcode;
} PyStatus;

#define PY_FILE_INPUT 257 /* Py_file_input, unchanged since 2.x */

typedef struct {
    void *handle;
    char resolved[4096];       /* the file the symbols really come from (dladdr) */
    int major, minor;          /* from Py_Version (>= 3.11) or the resolved file name; -1 unknown */
    unsigned long version_hex; /* Py_Version when exported, else 0 */
    int is_py2;                /* PyString_FromString exported: char * start-up API */
    int has_pyconfig;          /* PyConfig_InitPythonConfig exported (3.8+) */

    /* start-up */
    void (*Py_SetPythonHome)(void *);
    void (*Py_SetProgramName)(void *);
    void (*Py_Initialize)(void);
    void (*PyEval_InitThreads)(void);
    int *Py_OptimizeFlag;
    int *Py_DontWriteBytecodeFlag;
    void (*PyConfig_InitPythonConfig)(void *);
    PyStatus (*Py_InitializeFromConfig)(const void *);
    int (*PyStatus_Exception)(PyStatus);
    void (*Py_ExitStatusException)(PyStatus);
    const char *(*Py_GetVersion)(void);

    /* interpreters and threads */
    PyThreadState *(*Py_NewInterpreter)(void);
    PyInterpreterState *(*PyInterpreterState_Head)(void);
    PyThreadState *(*PyThreadState_Swap)(PyThreadState *);
    PyThreadState *(*PyThreadState_New)(PyInterpreterState *);
    void (*PyEval_RestoreThread)(PyThreadState *);
    PyThreadState *(*PyEval_SaveThread)(void);
    void (*PyThreadState_Clear)(PyThreadState *);
    void (*PyThreadState_DeleteCurrent)(void);

    /* objects */
    PyObject *(*PyImport_AddModule)(const char *);
    PyObject *(*PyModule_GetDict)(PyObject *);
    PyObject *(*PyEval_GetBuiltins)(void);
    int (*PyDict_SetItemString)(PyObject *, const char *, PyObject *);
    PyObject *(*PyDict_GetItemString)(PyObject *, const char *);
    PyObject *(*PyRun_StringFlags)(const char *, int, PyObject *, PyObject *, void *);
    PyObject *(*PyObject_CallFunctionObjArgs)(PyObject *, ...);
    PyObject *(*PyBytes_FromStringAndSize)(const char *, ssize_t);
    int (*PyBytes_AsStringAndSize)(PyObject *, char **, ssize_t *);
    void (*PyErr_Print)(void);
    void (*PyErr_Clear)(void);
    int (*PyErr_ExceptionMatches)(PyObject *);
    PyObject **PyExc_SystemExit; /* data symbol: a PyObject * */
    void (*Py_DecRef)(PyObject *);
} pyapi;

/* dlopen() the library with RTLD_NOW | RTLD_GLOBAL (as httpd loads mod_wsgi and its libpython).
 * Returns 0, or -1 with dlerror()'s text in err. */
int pyapi_load(pyapi *api, const char *path, char *err, size_t errlen);

/* Resolve every symbol; returns 0, or -1 naming the first missing required symbol in err. */
int pyapi_resolve(pyapi *api, char *err, size_t errlen);

#endif
