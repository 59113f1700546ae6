/*
 * See child.h. The steps follow mod_wsgi 4.9/5.0's wsgi_python_init() and newInterpreterObject():
 *
 *   1. dlopen() the libpython (httpd's root parent maps mod_wsgi and its libpython at start-up);
 *   2. switch to the Apache user (Python is initialised in each child after the switch);
 *   3. take Apache's environment (PATH, PYTHONHOME, PYTHONPATH... are honoured by CPython);
 *   4. python-home: a directory holding a readable pyvenv.cfg is a virtual environment and sets
 *      the program name to <home>/bin/python instead of the home; otherwise home = <home>; with
 *      no home nothing is set and CPython searches PATH for "python3" ("python" on 2.x);
 *   5. initialise with the legacy API (mod_wsgi <= 5.0.0, and any Python < 3.8) or the PyConfig
 *      API (mod_wsgi 5.0.1+ with Python >= 3.8);
 *   6. the main interpreter serves application group '', Py_NewInterpreter() one per other group;
 *   7. requests run on the main thread (embedded, single-threaded) or on fresh native threads,
 *      each with its own PyThreadState, as Apache's worker threads call into mod_wsgi.
 *
 * Everything observed is written as JSON lines on result_fd; CPython's own messages (the
 * "Python path configuration:" dump, "Fatal Python error: ...") go to stderr, which the parent
 * captures.
 */
#define _GNU_SOURCE
#include "child.h"

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "bootstrap_py.h"
#include "pyapi.h"

#define MAX_GROUPS 64
#define MAX_THREADS 64

static int result_fd = -1;
static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;
static pyapi py;

typedef struct {
    const char *name;
    PyInterpreterState *interp;
    PyThreadState *ts;  /* the main thread's state in this interpreter */
    PyObject *handle;   /* bootstrap handle(), borrowed from the bootstrap module's dict */
    int failed;
} interp_group;

static interp_group groups[MAX_GROUPS];
static int ngroups;
static PyThreadState *main_ts;
static PyInterpreterState *(*get_interp_of)(PyThreadState *); /* PyThreadState_GetInterpreter, 3.9+ */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Write one JSON line (the buffer is consumed). */
static void emit(strbuf *line)
{
    sb_append(line, "\n", 1);
    pthread_mutex_lock(&emit_lock);
    write_all(result_fd, line->data, line->len);
    pthread_mutex_unlock(&emit_lock);
    sb_free(line);
}

static void emit_error(const char *stage, const char *message)
{
    strbuf m;
    sb_init(&m);
    sb_puts(&m, "{\"kind\":\"error\",\"stage\":");
    sb_json_cstr(&m, stage);
    sb_puts(&m, ",\"message\":");
    sb_json_cstr(&m, message);
    sb_puts(&m, "}");
    emit(&m);
}

/* A setting from this process' object, else from the spec's top level (null counts as unset). */
static const json_node *setting(const child_args *a, const char *key)
{
    const json_node *n = json_get(a->process, key);
    if (n && n->type != JSON_NULL) return n;
    n = json_get(a->spec, key);
    return (n && n->type != JSON_NULL) ? n : NULL;
}

static const char *setting_str(const child_args *a, const char *key)
{
    const json_node *n = setting(a, key);
    return (n && n->type == JSON_STRING) ? n->str : NULL;
}

static long setting_long(const child_args *a, const char *key, long dflt)
{
    const json_node *n = setting(a, key);
    if (n && n->type == JSON_NUMBER) return (long)n->number;
    if (n && n->type == JSON_BOOL) return n->boolean;
    return dflt;
}

/* ---- step 2: the Apache user ---- */

static void switch_user(const child_args *a)
{
    const char *user = setting_str(a, "user");
    const char *group = setting_str(a, "group");
    strbuf m;
    if (!user || !*user) return;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        char *end;
        long uid = strtol(user, &end, 10);
        if (*end == '\0' && end != user) pw = getpwuid((uid_t)uid);
    }
    if (!pw) {
        fprintf(stderr, "wsgidoctor-host: no such user: %s\n", user);
        emit_error("user", "no such user");
        _exit(CHILD_USER_FAILED);
    }
    gid_t gid = pw->pw_gid;
    if (group && *group) {
        struct group *gr = getgrnam(group);
        if (!gr) {
            fprintf(stderr, "wsgidoctor-host: no such group: %s\n", group);
            emit_error("user", "no such group");
            _exit(CHILD_USER_FAILED);
        }
        gid = gr->gr_gid;
    }
    sb_init(&m);
    sb_puts(&m, "{\"kind\":\"user\",\"name\":");
    sb_json_cstr(&m, pw->pw_name);
    if (geteuid() != 0) {
        sb_printf(&m, ",\"uid\":%ld,\"gid\":%ld,\"switched\":false,\"reason\":",
                  (long)geteuid(), (long)getegid());
        sb_json_cstr(&m, geteuid() == pw->pw_uid ? "already running as that user"
                                                 : "not running as root: cannot switch user");
        sb_puts(&m, "}");
        emit(&m);
        return;
    }
    if (setgid(gid) != 0 || initgroups(pw->pw_name, gid) != 0 || setuid(pw->pw_uid) != 0) {
        int e = errno;
        fprintf(stderr, "wsgidoctor-host: cannot switch to user %s: %s\n", user, strerror(e));
        sb_free(&m);
        emit_error("user", strerror(e));
        _exit(CHILD_USER_FAILED);
    }
    sb_printf(&m, ",\"uid\":%ld,\"gid\":%ld,\"switched\":true}", (long)getuid(), (long)getgid());
    emit(&m);
}

/* ---- step 3: Apache's environment ---- */

static void apply_environment(const child_args *a)
{
    const json_node *env = setting(a, "env");
    if (!env || env->type != JSON_OBJECT) return;
    clearenv();
    for (size_t i = 0; i < env->count; i++)
        if (env->items[i]->type == JSON_STRING) setenv(env->keys[i], env->items[i]->str, 1);
}

/* ---- step 4: python-home ---- */

/* mod_wsgi's checks of the home (logged as warnings), made as the Apache user; returns whether
 * <home>/pyvenv.cfg is readable, which makes the home a virtual environment. */
static int check_home(const char *home)
{
    struct stat st;
    const char *problem = NULL;
    int err = 0;
    if (stat(home, &st) != 0) {
        err = errno;
        problem = "cannot-stat";
        fprintf(stderr, "(%d)%s: mod_wsgi (pid=%d): Unable to stat Python home %s. Python "
                "interpreter may not be able to be initialized correctly. Verify the supplied "
                "path and access permissions for whole of the path.\n",
                err, strerror(err), (int)getpid(), home);
    } else if (!S_ISDIR(st.st_mode)) {
        problem = "not-a-directory";
        fprintf(stderr, "mod_wsgi (pid=%d): Python home %s is not a directory. Python interpreter "
                "may not be able to be initialized correctly. Verify the supplied path.\n",
                (int)getpid(), home);
    } else if (access(home, X_OK) == -1) {
        err = errno;
        problem = "not-accessible";
        fprintf(stderr, "(%d)%s: mod_wsgi (pid=%d): Python home %s is not accessible. Python "
                "interpreter may not be able to be initialized correctly. Verify the supplied "
                "path and access permissions on the directory.\n",
                err, strerror(err), (int)getpid(), home);
    }
    size_t n = strlen(home) + sizeof "/pyvenv.cfg";
    char *cfg = malloc(n);
    snprintf(cfg, n, "%s/pyvenv.cfg", home);
    int pyvenv = access(cfg, R_OK) == 0;
    free(cfg);

    strbuf m;
    sb_init(&m);
    sb_puts(&m, "{\"kind\":\"home\",\"path\":");
    sb_json_cstr(&m, home);
    sb_puts(&m, ",\"problem\":");
    sb_json_cstr(&m, problem);
    sb_printf(&m, ",\"errno\":%d,\"error\":", err);
    sb_json_cstr(&m, err ? strerror(err) : NULL);
    sb_printf(&m, ",\"pyvenv\":%s}", pyvenv ? "true" : "false");
    emit(&m);
    return pyvenv;
}

/* mod_wsgi converts with mbstowcs() in Apache's (C) locale; a failed conversion leaves what was
 * converted so far, as it does there. */
static wchar_t *to_wide(const char *s, int *lossy)
{
    size_t len = strlen(s) + 1;
    wchar_t *w = calloc(len, sizeof(wchar_t));
    if (!w) _exit(70);
    if (mbstowcs(w, s, len) == (size_t)-1) *lossy = 1;
    return w;
}

/* ---- step 5: start-up ---- */

typedef struct {
    const char *name;
    char *original; /* NULL when the variable was not set */
    int changed;
} env_change;

/* Raise an integer environment flag to at least value (CPython takes the larger of a flag set
 * in the configuration and the environment variable). */
static void raise_env_flag(env_change *c, const char *name, long value)
{
    const char *cur = getenv(name);
    c->name = name;
    c->original = cur ? strdup(cur) : NULL;
    c->changed = 0;
    if (value <= 0) return;
    if (cur && *cur) {
        char *end;
        long have = strtol(cur, &end, 10);
        if (*end != '\0' || have < 0) have = 1; /* CPython reads junk as 1 */
        if (have >= value) return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", value);
    setenv(name, buf, 1);
    c->changed = 1;
}

static void restore_env(const env_change *c)
{
    if (!c->changed) return;
    if (c->original) setenv(c->name, c->original, 1);
    else unsetenv(c->name);
}

static void initialise(const child_args *a, const char *home, int pyvenv, strbuf *restore_json)
{
    const char *requested = setting_str(a, "init_api");
    if (!requested) requested = "auto";
    int use_pyconfig = py.has_pyconfig && strcmp(requested, "legacy") != 0;
    long optimize = setting_long(a, "optimize", 0);
    if (optimize < 0) optimize = 0;
    int dont_write_bytecode = (int)setting_long(a, "dont_write_bytecode", 0);
    char *program = NULL;
    const char *set_home = NULL;
    int lossy = 0;

    if (home && pyvenv) {
        size_t n = strlen(home) + sizeof "/bin/python";
        program = malloc(n);
        snprintf(program, n, "%s/bin/python", home);
    } else if (home) {
        set_home = home;
    }

    strbuf m;
    sb_init(&m);
    sb_puts(&m, "{\"kind\":\"initialising\",\"api\":");
    sb_json_cstr(&m, use_pyconfig ? "pyconfig" : "legacy");
    sb_puts(&m, ",\"requested_api\":");
    sb_json_cstr(&m, requested);
    sb_puts(&m, ",\"python_home\":");
    sb_json_cstr(&m, set_home);
    sb_puts(&m, ",\"program_name\":");
    sb_json_cstr(&m, program);
    sb_printf(&m, ",\"pyvenv\":%s,\"optimize\":%ld,\"dont_write_bytecode\":%s,\"uid\":%ld}",
              pyvenv ? "true" : "false", optimize, dont_write_bytecode ? "true" : "false",
              (long)geteuid());
    emit(&m);

    env_change opt = {0}, dwb = {0};
    double t0 = now_ms();
    if (use_pyconfig) {
        /*
         * PyConfig's layout changes from one version to the next, so its fields are not
         * written here. Home and program name go through Py_SetPythonHome() and
         * Py_SetProgramName(): while reading the configuration CPython copies them into
         * PyConfig.home / PyConfig.program_name when those are unset (documented for both
         * fields, 3.8 to 3.13), which is the configuration mod_wsgi 5.0.1+ gets from
         * PyConfig_SetString(). WSGIPythonOptimize sets optimization_level; CPython then raises
         * it to PYTHONOPTIMIZE if that is larger, so exporting max(level, PYTHONOPTIMIZE) for
         * the start-up gives the same result. Likewise PYTHONDONTWRITEBYTECODE. Both are put
         * back afterwards (in os.environ too) so the application sees Apache's environment.
         */
        raise_env_flag(&opt, "PYTHONOPTIMIZE", optimize);
        raise_env_flag(&dwb, "PYTHONDONTWRITEBYTECODE", dont_write_bytecode ? 1 : 0);
        if (set_home) py.Py_SetPythonHome(to_wide(set_home, &lossy));
        if (program) py.Py_SetProgramName(to_wide(program, &lossy));
        void *config = calloc(1, 1 << 15); /* larger than any version's PyConfig */
        if (!config) _exit(70);
        py.PyConfig_InitPythonConfig(config);
        PyStatus status = py.Py_InitializeFromConfig(config);
        if (py.PyStatus_Exception(status)) {
            fprintf(stderr, "mod_wsgi (pid=%d): Initializing Python failed: %s\n", (int)getpid(),
                    status.err_msg ? status.err_msg : "");
            sb_init(&m);
            sb_puts(&m, "{\"kind\":\"error\",\"stage\":\"init\",\"function\":");
            sb_json_cstr(&m, status.func);
            sb_puts(&m, ",\"message\":");
            sb_json_cstr(&m, status.err_msg);
            sb_printf(&m, ",\"status_type\":%d,\"exitcode\":%d}", status.type, status.exitcode);
            emit(&m);
            /* Prints "Fatal Python error: <func>: <msg>" and the pending exception, then
             * aborts, as a real start-up failure does in an Apache child. */
            py.Py_ExitStatusException(status);
            _exit(CHILD_INIT_FAILED);
        }
    } else {
        if (py.Py_OptimizeFlag) *py.Py_OptimizeFlag = (int)optimize;
        if (dont_write_bytecode && py.Py_DontWriteBytecodeFlag) (*py.Py_DontWriteBytecodeFlag)++;
        if (py.is_py2) {
            if (set_home) py.Py_SetPythonHome((void *)set_home);
            if (program) py.Py_SetProgramName(program);
        } else {
            if (set_home) py.Py_SetPythonHome(to_wide(set_home, &lossy));
            if (program) py.Py_SetProgramName(to_wide(program, &lossy));
        }
        py.Py_Initialize(); /* calls Py_FatalError() itself when start-up fails */
        if (py.PyEval_InitThreads && (py.major == 2 || (py.major == 3 && py.minor < 9)))
            py.PyEval_InitThreads();
    }
    double elapsed = now_ms() - t0;
    restore_env(&opt);
    restore_env(&dwb);

    sb_puts(restore_json, "{");
    int first = 1;
    const env_change *changes[2] = {&opt, &dwb};
    for (int i = 0; i < 2; i++) {
        if (!changes[i]->changed) continue;
        if (!first) sb_puts(restore_json, ",");
        first = 0;
        sb_json_cstr(restore_json, changes[i]->name);
        sb_puts(restore_json, ":");
        sb_json_cstr(restore_json, changes[i]->original);
    }
    sb_puts(restore_json, "}");

    sb_init(&m);
    sb_puts(&m, "{\"kind\":\"initialised\",\"version\":");
    sb_json_cstr(&m, py.Py_GetVersion());
    sb_printf(&m, ",\"api\":\"%s\",\"ms\":%.3f,\"lossy_path_conversion\":%s}",
              use_pyconfig ? "pyconfig" : "legacy", elapsed, lossy ? "true" : "false");
    emit(&m);
    free(program);
}

/* Print the pending Python error to stderr. PyErr_Print() would end the process for a
 * SystemExit, which mod_wsgi never lets an application do: that one is only reported. */
static void report_python_error(void)
{
    if (py.PyErr_ExceptionMatches(*py.PyExc_SystemExit)) {
        py.PyErr_Clear();
        fputs("wsgidoctor-host: SystemExit raised outside the application; ignored\n", stderr);
        return;
    }
    py.PyErr_Print();
}

/* ---- step 6: interpreters ---- */

static PyObject *install_bootstrap(const char *setup_json, size_t len)
{
    PyObject *module = py.PyImport_AddModule("_wsgidoctor_host");
    if (!module) {
        report_python_error();
        return NULL;
    }
    PyObject *dict = py.PyModule_GetDict(module);
    if (!py.PyDict_GetItemString(dict, "__builtins__"))
        py.PyDict_SetItemString(dict, "__builtins__", py.PyEval_GetBuiltins());
    PyObject *result = py.PyRun_StringFlags(BOOTSTRAP_PY, PY_FILE_INPUT, dict, dict, NULL);
    if (!result) {
        report_python_error();
        return NULL;
    }
    py.Py_DecRef(result);
    PyObject *setup = py.PyDict_GetItemString(dict, "setup");
    PyObject *arg = py.PyBytes_FromStringAndSize(setup_json, (ssize_t)len);
    result = (setup && arg) ? py.PyObject_CallFunctionObjArgs(setup, arg, NULL) : NULL;
    if (arg) py.Py_DecRef(arg);
    if (!result) {
        report_python_error();
        return NULL;
    }
    py.Py_DecRef(result);
    return py.PyDict_GetItemString(dict, "handle");
}

static void setup_json_for(strbuf *sb, const child_args *a, const char *group_name,
                           const char *restore_json)
{
    const json_node *n;
    sb_puts(sb, "{\"process_group\":");
    sb_json_cstr(sb, json_get_str(a->process, "process_group", ""));
    sb_puts(sb, ",\"application_group\":");
    sb_json_cstr(sb, group_name);
    sb_puts(sb, ",\"python_path\":");
    sb_json_cstr(sb, setting_str(a, "python_path"));
    sb_puts(sb, ",\"home\":");
    sb_json_cstr(sb, json_get_str(a->process, "home", NULL));
    sb_puts(sb, ",\"restore_environ\":");
    sb_puts(sb, restore_json);
    n = setting(a, "mod_wsgi");
    sb_puts(sb, ",\"mod_wsgi\":");
    if (n) sb_append(sb, n->raw, n->raw_len); else sb_puts(sb, "null");
    n = setting(a, "apache");
    sb_puts(sb, ",\"apache\":");
    if (n) sb_append(sb, n->raw, n->raw_len); else sb_puts(sb, "null");
    sb_puts(sb, "}");
}

static interp_group *get_group(const child_args *a, const char *name, const char *restore_json)
{
    for (int i = 0; i < ngroups; i++)
        if (strcmp(groups[i].name, name) == 0) return &groups[i];
    if (ngroups == MAX_GROUPS) return NULL;
    interp_group *g = &groups[ngroups++];
    memset(g, 0, sizeof *g);
    g->name = name;
    double t0 = now_ms();
    int created = 0;
    if (!*name) {
        g->ts = main_ts;
        g->interp = get_interp_of ? get_interp_of(main_ts)
                                  : py.PyInterpreterState_Head();
    } else {
        g->ts = py.Py_NewInterpreter();
        if (!g->ts) {
            fprintf(stderr, "wsgidoctor-host: Py_NewInterpreter() failed for '%s'\n", name);
            g->failed = 1;
            py.PyThreadState_Swap(main_ts);
        } else {
            created = 1;
            /* New interpreters go to the head of the list; 3.9+ can also ask the state. */
            g->interp = get_interp_of ? get_interp_of(g->ts)
                                      : py.PyInterpreterState_Head();
        }
    }
    if (!g->failed) {
        strbuf setup;
        sb_init(&setup);
        setup_json_for(&setup, a, name, restore_json);
        g->handle = install_bootstrap(setup.data, setup.len);
        sb_free(&setup);
        if (!g->handle) g->failed = 1;
        py.PyThreadState_Swap(main_ts);
    }
    strbuf m;
    sb_init(&m);
    sb_puts(&m, "{\"kind\":\"interpreter\",\"application_group\":");
    sb_json_cstr(&m, name);
    sb_printf(&m, ",\"created\":%s,\"ok\":%s,\"ms\":%.3f}", created ? "true" : "false",
              g->failed ? "false" : "true", now_ms() - t0);
    emit(&m);
    return g;
}

/* ---- step 7: requests ---- */

typedef struct {
    interp_group *group;
    const json_node *run;
    int run_index;
    int request;
    int thread_id;
} request_args;

static void emit_host_failure(const request_args *r, const char *message)
{
    strbuf m;
    sb_init(&m);
    sb_printf(&m, "{\"kind\":\"response\",\"run\":%d,\"request\":%d,\"application_group\":",
              r->run_index, r->request);
    sb_json_cstr(&m, r->group ? r->group->name : NULL);
    sb_puts(&m, ",\"status\":null,\"error\":{\"stage\":\"host\",\"message\":");
    sb_json_cstr(&m, message);
    sb_puts(&m, "}}");
    emit(&m);
}

/* Call handle() with the GIL held in the group's interpreter. */
static void do_request(const request_args *r)
{
    strbuf meta;
    sb_init(&meta);
    sb_printf(&meta, "{\"run\":%d,\"request\":%d,\"thread_id\":%d}", r->run_index, r->request,
              r->thread_id);
    PyObject *run = py.PyBytes_FromStringAndSize(r->run->raw, (ssize_t)r->run->raw_len);
    PyObject *metab = py.PyBytes_FromStringAndSize(meta.data, (ssize_t)meta.len);
    sb_free(&meta);
    PyObject *result = (run && metab) ? py.PyObject_CallFunctionObjArgs(r->group->handle, run, metab, NULL)
                                      : NULL;
    char *data = NULL;
    ssize_t len = 0;
    if (result && py.PyBytes_AsStringAndSize(result, &data, &len) == 0) {
        strbuf line;
        sb_init(&line);
        sb_append(&line, data, (size_t)len);
        emit(&line);
    } else {
        report_python_error();
        emit_host_failure(r, "the bootstrap's handle() raised; see stderr");
    }
    if (result) py.Py_DecRef(result);
    if (run) py.Py_DecRef(run);
    if (metab) py.Py_DecRef(metab);
}

static void *request_thread(void *arg)
{
    request_args *r = arg;
    PyThreadState *ts = py.PyThreadState_New(r->group->interp);
    py.PyEval_RestoreThread(ts);
    do_request(r);
    py.PyThreadState_Clear(ts);
    py.PyThreadState_DeleteCurrent();
    return NULL;
}

static void serve_run(interp_group *g, const json_node *run, int run_index)
{
    long n = json_get_long(run, "requests", 1);
    if (n < 1) n = 1;
    if (n > MAX_THREADS) n = MAX_THREADS;
    int on_main = json_get_bool(run, "main_thread", 0);
    request_args args[MAX_THREADS];
    for (int i = 0; i < n; i++) {
        args[i].group = g;
        args[i].run = run;
        args[i].run_index = run_index;
        args[i].request = i;
        args[i].thread_id = on_main ? 0 : i + 1;
    }
    if (!g || g->failed) {
        for (int i = 0; i < n; i++)
            emit_host_failure(&args[i], g ? "the interpreter for this application group could not be set up; see stderr"
                                          : "too many application groups");
        return;
    }
    if (on_main) {
        for (int i = 0; i < n; i++) {
            py.PyThreadState_Swap(g->ts);
            do_request(&args[i]);
            py.PyThreadState_Swap(main_ts);
        }
        return;
    }
    pthread_t tids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    PyThreadState *saved = py.PyEval_SaveThread();
    for (int i = 0; i < n; i++)
        started[i] = pthread_create(&tids[i], NULL, request_thread, &args[i]) == 0;
    for (int i = 0; i < n; i++)
        if (started[i]) pthread_join(tids[i], NULL);
    py.PyEval_RestoreThread(saved);
    for (int i = 0; i < n; i++)
        if (!started[i]) emit_host_failure(&args[i], "could not start a request thread");
}

void child_main(const child_args *a)
{
    char err[2048];
    double t0 = now_ms();
    result_fd = a->result_fd;

    const char *lib = setting_str(a, "libpython");
    if (!lib || !*lib) {
        emit_error("spec", "no libpython given");
        _exit(CHILD_SPEC_INVALID);
    }
    /* LoadFile'd libraries are in Apache's process before any module: load them first, as
     * global, so that a libpython named there is the one mod_wsgi's symbols bind to. */
    const json_node *load_files = setting(a, "load_files");
    if (load_files && load_files->type == JSON_ARRAY) {
        for (size_t i = 0; i < load_files->count; i++) {
            const json_node *f = load_files->items[i];
            if (!f || f->type != JSON_STRING) continue;
            if (!dlopen(f->str, RTLD_NOW | RTLD_GLOBAL)) {
                const char *msg = dlerror();
                snprintf(err, sizeof err, "Cannot load %s into server: %s", f->str, msg ? msg : "dlopen failed");
                fprintf(stderr, "wsgidoctor-host: %s\n", err);
                emit_error("loadfile", err);
                _exit(CHILD_LOAD_FAILED);
            }
            strbuf lf;
            sb_init(&lf);
            sb_puts(&lf, "{\"kind\":\"loadfile\",\"path\":");
            sb_json_cstr(&lf, f->str);
            sb_puts(&lf, "}");
            emit(&lf);
        }
    }
    if (pyapi_load(&py, lib, err, sizeof err) < 0) {
        fprintf(stderr, "wsgidoctor-host: cannot load %s: %s\n", lib, err);
        emit_error("load", err);
        _exit(CHILD_LOAD_FAILED);
    }
    if (pyapi_resolve(&py, err, sizeof err) < 0) {
        fprintf(stderr, "wsgidoctor-host: %s: %s\n", lib, err);
        emit_error("symbols", err);
        _exit(CHILD_SYMBOLS_MISSING);
    }
    *(void **)(&get_interp_of) = dlsym(py.handle, "PyThreadState_GetInterpreter");

    strbuf m;
    sb_init(&m);
    sb_puts(&m, "{\"kind\":\"loaded\",\"library\":");
    sb_json_cstr(&m, lib);
    sb_puts(&m, ",\"resolved\":");
    sb_json_cstr(&m, py.resolved[0] ? py.resolved : NULL);
    sb_printf(&m, ",\"major\":%d,\"minor\":%d,\"version_hex\":%lu,\"python2\":%s,\"pyconfig\":%s,\"ms\":%.3f}",
              py.major, py.minor, py.version_hex, py.is_py2 ? "true" : "false",
              py.has_pyconfig ? "true" : "false", now_ms() - t0);
    emit(&m);

    switch_user(a);
    apply_environment(a);
    /* "~": the user's home directory, where mod_wsgi puts a daemon running as another user
     * than Apache's when it has no home= option. */
    const char *cwd = setting_str(a, "cwd");
    if (cwd && strcmp(cwd, "~") == 0) {
        struct passwd *pw = getpwuid(geteuid());
        cwd = pw ? pw->pw_dir : "/";
    }
    if (chdir(cwd ? cwd : "/") != 0)
        fprintf(stderr, "wsgidoctor-host: cannot change directory to %s: %s\n", cwd ? cwd : "/",
                strerror(errno));

    const char *home = setting_str(a, "python_home");
    int pyvenv = 0;
    if (home && *home) pyvenv = check_home(home);
    else home = NULL;

    strbuf restore;
    sb_init(&restore);
    initialise(a, home, pyvenv, &restore);

    main_ts = py.PyEval_SaveThread();
    py.PyEval_RestoreThread(main_ts);

    const json_node *runs = json_get(a->process, "runs");
    if (runs && runs->type == JSON_ARRAY) {
        for (size_t i = 0; i < runs->count; i++) {
            const json_node *run = runs->items[i];
            const char *name = json_get_str(run, "application_group", "");
            interp_group *g = get_group(a, name, restore.data);
            serve_run(g, run, (int)i);
        }
    }
    sb_init(&m);
    sb_printf(&m, "{\"kind\":\"done\",\"ms\":%.3f}", now_ms() - t0);
    emit(&m);
    /* No Py_Finalize(): the process ends here, and finalising interpreters with threads can
     * take long (mod_wsgi's own shutdown is what Apache waits for at stop). */
    fflush(stderr);
    _exit(CHILD_OK);
}
