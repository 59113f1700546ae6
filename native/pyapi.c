/* See pyapi.h. */
#define _GNU_SOURCE
#include "pyapi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int pyapi_load(pyapi *api, const char *path, char *err, size_t errlen)
{
    memset(api, 0, sizeof *api);
    api->major = api->minor = -1;
    dlerror();
    api->handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!api->handle) {
        const char *msg = dlerror();
        snprintf(err, errlen, "%s", msg ? msg : "dlopen failed");
        return -1;
    }
    return 0;
}

static void *sym(pyapi *api, const char *name)
{
    return dlsym(api->handle, name);
}

/* "libpython3.11.so.1.0", "libpython3.6m.so", "libpython2.7.so" -> 3, 11 */
static void version_from_name(pyapi *api, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *p = strstr(base, "libpython");
    int major, minor;
    if (p && sscanf(p, "libpython%d.%d", &major, &minor) == 2) {
        api->major = major;
        api->minor = minor;
    }
}

#define REQUIRE(field, name)                                                     \
    do {                                                                         \
        *(void **)(&api->field) = sym(api, name);                                \
        if (!api->field) {                                                       \
            snprintf(err, errlen, "the library does not export %s", name);       \
            return -1;                                                           \
        }                                                                        \
    } while (0)

#define OPTIONAL(field, name) (*(void **)(&api->field) = sym(api, name))

int pyapi_resolve(pyapi *api, char *err, size_t errlen)
{
    REQUIRE(Py_Initialize, "Py_Initialize");

    Dl_info info;
    if (dladdr(*(void **)(&api->Py_Initialize), &info) && info.dli_fname)
        snprintf(api->resolved, sizeof api->resolved, "%s", info.dli_fname);

    /* Py_Version (3.11+) is a data symbol holding PY_VERSION_HEX; reading it needs no
     * initialisation. Py_GetVersion() is avoided before start-up, as mod_wsgi avoids it. */
    const unsigned long *hexp = sym(api, "Py_Version");
    if (hexp) {
        api->version_hex = *hexp;
        api->major = (int)((api->version_hex >> 24) & 0xFF);
        api->minor = (int)((api->version_hex >> 16) & 0xFF);
    } else if (api->resolved[0]) {
        version_from_name(api, api->resolved);
    }

    api->is_py2 = sym(api, "PyString_FromString") != NULL;
    if (api->major < 0) api->major = api->is_py2 ? 2 : 3;

    REQUIRE(Py_SetPythonHome, "Py_SetPythonHome");
    REQUIRE(Py_SetProgramName, "Py_SetProgramName");
    OPTIONAL(PyEval_InitThreads, "PyEval_InitThreads");
    OPTIONAL(Py_OptimizeFlag, "Py_OptimizeFlag");
    OPTIONAL(Py_DontWriteBytecodeFlag, "Py_DontWriteBytecodeFlag");
    OPTIONAL(PyConfig_InitPythonConfig, "PyConfig_InitPythonConfig");
    OPTIONAL(Py_InitializeFromConfig, "Py_InitializeFromConfig");
    OPTIONAL(PyStatus_Exception, "PyStatus_Exception");
    OPTIONAL(Py_ExitStatusException, "Py_ExitStatusException");
    api->has_pyconfig = api->PyConfig_InitPythonConfig && api->Py_InitializeFromConfig &&
                        api->PyStatus_Exception && api->Py_ExitStatusException;
    REQUIRE(Py_GetVersion, "Py_GetVersion");

    REQUIRE(Py_NewInterpreter, "Py_NewInterpreter");
    REQUIRE(PyInterpreterState_Head, "PyInterpreterState_Head");
    REQUIRE(PyThreadState_Swap, "PyThreadState_Swap");
    REQUIRE(PyThreadState_New, "PyThreadState_New");
    REQUIRE(PyEval_RestoreThread, "PyEval_RestoreThread");
    REQUIRE(PyEval_SaveThread, "PyEval_SaveThread");
    REQUIRE(PyThreadState_Clear, "PyThreadState_Clear");
    REQUIRE(PyThreadState_DeleteCurrent, "PyThreadState_DeleteCurrent");

    REQUIRE(PyImport_AddModule, "PyImport_AddModule");
    REQUIRE(PyModule_GetDict, "PyModule_GetDict");
    REQUIRE(PyEval_GetBuiltins, "PyEval_GetBuiltins");
    REQUIRE(PyDict_SetItemString, "PyDict_SetItemString");
    REQUIRE(PyDict_GetItemString, "PyDict_GetItemString");
    REQUIRE(PyRun_StringFlags, "PyRun_StringFlags");
    REQUIRE(PyObject_CallFunctionObjArgs, "PyObject_CallFunctionObjArgs");
    if (api->is_py2) {
        REQUIRE(PyBytes_FromStringAndSize, "PyString_FromStringAndSize");
        REQUIRE(PyBytes_AsStringAndSize, "PyString_AsStringAndSize");
    } else {
        REQUIRE(PyBytes_FromStringAndSize, "PyBytes_FromStringAndSize");
        REQUIRE(PyBytes_AsStringAndSize, "PyBytes_AsStringAndSize");
    }
    REQUIRE(PyErr_Print, "PyErr_Print");
    REQUIRE(PyErr_Clear, "PyErr_Clear");
    REQUIRE(PyErr_ExceptionMatches, "PyErr_ExceptionMatches");
    REQUIRE(PyExc_SystemExit, "PyExc_SystemExit");
    REQUIRE(Py_DecRef, "Py_DecRef");
    return 0;
}
