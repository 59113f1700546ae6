/*
 * wsgidoctor-host: host Python the way mod_wsgi does and serve WSGI scripts in-process.
 *
 * Reads one JSON request spec (a file named on the command line, or stdin), runs each emulated
 * mod_wsgi process in a forked child (child.c), all at once, and writes one JSON record to
 * stdout. See
 * README.md for the spec, the record and the exit codes. Diagnostics of the program itself go
 * to stderr; what the children print is captured into the record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "json.h"

#define PROGRAM_VERSION "1.0.0"
#define RECORD_SCHEMA 1
#define SPEC_LIMIT (64u << 20)
#define STDERR_LIMIT (1u << 20)
#define RESULTS_LIMIT (64u << 20)
#define MAX_PROCESSES 64

enum { EXIT_OK = 0, EXIT_PROCESS_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGPIPE: return "SIGPIPE";
    default: return NULL;
    }
}

static void write_record(strbuf *rec)
{
    sb_append(rec, "\n", 1);
    const char *p = rec->data;
    size_t n = rec->len;
    while (n) {
        ssize_t w = write(1, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void record_start(strbuf *rec)
{
    sb_init(rec);
    sb_printf(rec, "{\"schema\":%d,\"program\":\"wsgidoctor-host\",\"program_version\":\"%s\","
                   "\"pid\":%ld,\"uid\":%ld,\"euid\":%ld",
              RECORD_SCHEMA, PROGRAM_VERSION, (long)getpid(), (long)getuid(), (long)geteuid());
}

/* A record for a request that could not be run at all. */
static int fail_record(const char *message, int code)
{
    strbuf rec;
    record_start(&rec);
    sb_puts(&rec, ",\"error\":");
    sb_json_cstr(&rec, message);
    sb_puts(&rec, ",\"processes\":[]}");
    write_record(&rec);
    fprintf(stderr, "wsgidoctor-host: %s\n", message);
    return code;
}

static int read_all(int fd, strbuf *out, size_t limit)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) return 0;
        if (out->len + (size_t)n > limit) return -2;
        sb_append(out, buf, (size_t)n);
    }
}

typedef struct {
    int fd;
    strbuf data;
    size_t limit;
    int truncated;
    int open;
} capture;

/* Read what is available; returns 0 at end of file. */
static int pump(capture *c)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return 1; /* EAGAIN: nothing more for now */
        }
        if (n == 0) {
            close(c->fd);
            c->open = 0;
            return 0;
        }
        size_t room = c->limit > c->data.len ? c->limit - c->data.len : 0;
        if ((size_t)n > room) c->truncated = 1;
        sb_append(&c->data, buf, (size_t)n < room ? (size_t)n : room);
    }
}

/* Append the child's complete JSON lines as array elements; a line that is not valid JSON
 * (a child killed mid-write) is counted, not copied. */
static int append_messages(strbuf *rec, const strbuf *results)
{
    int garbled = 0, first = 1;
    const char *p = results->data, *end = results->data + results->len;
    char err[128];
    sb_puts(rec, "[");
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            garbled++;
            break;
        }
        if (nl > p) {
            if (json_parse(p, (size_t)(nl - p), err, sizeof err)) {
                if (!first) sb_puts(rec, ",");
                first = 0;
                sb_append(rec, p, (size_t)(nl - p));
            } else {
                garbled++;
            }
        }
        p = nl + 1;
    }
    sb_puts(rec, "]");
    return garbled;
}

/* One emulated process being supervised. */
typedef struct {
    const json_node *spec;
    const json_node *process;
    int index;
    pid_t pid;
    double started;
    capture caps[2]; /* 0: stderr+stdout, 1: JSON lines */
    int status;
    int reaped;
    int timed_out;
    double elapsed;
} child_run;

static void start_child(child_run *c)
{
    int errpipe[2], respipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0 || pipe2(respipe, O_CLOEXEC) != 0) {
        fprintf(stderr, "wsgidoctor-host: pipe: %s\n", strerror(errno));
        exit(fail_record("cannot create pipes", EXIT_INTERNAL));
    }
    fflush(NULL);
    c->started = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "wsgidoctor-host: fork: %s\n", strerror(errno));
        exit(fail_record("cannot fork", EXIT_INTERNAL));
    }
    if (pid == 0) {
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(errpipe[1], 1);
        dup2(errpipe[1], 2);
        close(errpipe[0]);
        close(respipe[0]);
        child_args args = {c->spec, c->process, c->index, respipe[1]};
        child_main(&args);
    }
    c->pid = pid;
    close(errpipe[1]);
    close(respipe[1]);
    c->caps[0] = (capture){errpipe[0], {0}, STDERR_LIMIT, 0, 1};
    c->caps[1] = (capture){respipe[0], {0}, RESULTS_LIMIT, 0, 1};
    for (int i = 0; i < 2; i++) {
        sb_init(&c->caps[i].data);
        fcntl(c->caps[i].fd, F_SETFL, O_NONBLOCK);
    }
}

static int child_busy(const child_run *c)
{
    return c->caps[0].open || c->caps[1].open;
}

/* Read what is there, notice an exit; a grandchild holding a pipe open must not keep us
 * waiting once the child itself is gone. */
static void service_child(child_run *c)
{
    for (int i = 0; i < 2; i++)
        if (c->caps[i].open) pump(&c->caps[i]);
    if (!c->reaped && waitpid(c->pid, &c->status, WNOHANG) == c->pid) {
        c->reaped = 1;
        for (int i = 0; i < 2; i++)
            if (c->caps[i].open) {
                pump(&c->caps[i]);
                if (c->caps[i].open) {
                    close(c->caps[i].fd);
                    c->caps[i].open = 0;
                }
            }
    }
}

static void finish_child(child_run *c)
{
    kill(-c->pid, SIGKILL); /* whatever is left of the child's process group */
    if (!c->reaped) {
        if (c->timed_out) kill(c->pid, SIGKILL);
        while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR) {
        }
        c->reaped = 1;
    }
    for (int i = 0; i < 2; i++)
        if (c->caps[i].open) {
            close(c->caps[i].fd);
            c->caps[i].open = 0;
        }
    c->elapsed = now_ms() - c->started;
}

/* Run every emulated process at once (each is a separate Apache process in reality, and the
 * total time is then the slowest one's); each gets timeout_ms. */
static void run_children(child_run *runs, size_t count, double timeout_ms)
{
    for (size_t i = 0; i < count; i++) start_child(&runs[i]);
    for (;;) {
        struct pollfd pfd[2 * 64];
        nfds_t nfds = 0;
        int busy = 0;
        double now = now_ms();
        for (size_t i = 0; i < count; i++) {
            child_run *c = &runs[i];
            if (!child_busy(c)) continue;
            if (now - c->started >= timeout_ms) {
                c->timed_out = 1;
                finish_child(c);
                continue;
            }
            busy = 1;
            for (int k = 0; k < 2 && nfds < sizeof pfd / sizeof pfd[0]; k++)
                if (c->caps[k].open) pfd[nfds++] = (struct pollfd){c->caps[k].fd, POLLIN, 0};
        }
        if (!busy) break;
        poll(pfd, nfds, 50);
        for (size_t i = 0; i < count; i++)
            if (child_busy(&runs[i])) service_child(&runs[i]);
    }
    for (size_t i = 0; i < count; i++)
        if (runs[i].pid > 0) finish_child(&runs[i]);
}

/* Append one process' JSON object to rec; returns 0 if it ended cleanly. */
static int append_child(strbuf *rec, const child_run *c)
{
    int status = c->status;
    int clean = !c->timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    sb_printf(rec, "{\"index\":%d,\"process_group\":", c->index);
    sb_json_cstr(rec, json_get_str(c->process, "process_group", ""));
    sb_printf(rec, ",\"pid\":%ld,\"exit_code\":", (long)c->pid);
    if (!c->timed_out && WIFEXITED(status)) sb_printf(rec, "%d", WEXITSTATUS(status));
    else sb_puts(rec, "null");
    sb_puts(rec, ",\"signal\":");
    if (!c->timed_out && WIFSIGNALED(status)) {
        sb_printf(rec, "%d,\"signal_name\":", WTERMSIG(status));
        sb_json_cstr(rec, signal_name(WTERMSIG(status)));
        sb_printf(rec, ",\"core_dumped\":%s", WCOREDUMP(status) ? "true" : "false");
    } else {
        sb_puts(rec, "null,\"signal_name\":null,\"core_dumped\":false");
    }
    sb_printf(rec, ",\"timed_out\":%s,\"duration_ms\":%.3f,\"stderr\":", c->timed_out ? "true" : "false",
              c->elapsed);
    sb_json_string(rec, c->caps[0].data.data, c->caps[0].data.len);
    sb_printf(rec, ",\"stderr_truncated\":%s,\"messages\":", c->caps[0].truncated ? "true" : "false");
    int garbled = append_messages(rec, &c->caps[1].data);
    sb_printf(rec, ",\"garbled_lines\":%d,\"messages_truncated\":%s}", garbled,
              c->caps[1].truncated ? "true" : "false");
    return clean ? 0 : -1;
}

static void usage(FILE *out)
{
    fputs("usage: wsgidoctor-host [SPEC.json | -]\n"
          "       wsgidoctor-host --version\n"
          "Host Python as mod_wsgi does and serve WSGI scripts in-process. Reads a JSON request\n"
          "spec from SPEC.json or stdin and writes one JSON record to stdout (see README.md).\n"
          "Exit status: 0 all processes ran, 1 a process failed (its record says why),\n"
          "2 bad usage or spec, 3 internal error.\n",
          out);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            printf("wsgidoctor-host %s (record schema %d)\n", PROGRAM_VERSION, RECORD_SCHEMA);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return EXIT_OK;
        }
        if (path) {
            usage(stderr);
            return EXIT_USAGE;
        }
        path = argv[i];
    }
    double t0 = now_ms();
    strbuf text;
    sb_init(&text);
    int fd = 0;
    if (path && strcmp(path, "-") != 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            char msg[4200];
            snprintf(msg, sizeof msg, "cannot read the spec %s: %s", path, strerror(errno));
            return fail_record(msg, EXIT_USAGE);
        }
    }
    int rc = read_all(fd, &text, SPEC_LIMIT);
    if (fd) close(fd);
    if (rc == -2) return fail_record("the spec is too large", EXIT_USAGE);
    if (rc < 0) return fail_record("cannot read the spec", EXIT_USAGE);

    char err[256];
    json_node *spec = json_parse(text.data, text.len, err, sizeof err);
    if (!spec) return fail_record(err, EXIT_USAGE);
    if (spec->type != JSON_OBJECT) return fail_record("the spec is not a JSON object", EXIT_USAGE);
    long schema = json_get_long(spec, "schema", 1);
    if (schema != 1) return fail_record("unsupported spec schema (this program reads schema 1)", EXIT_USAGE);
    if (!json_get_str(spec, "libpython", NULL))
        return fail_record("the spec names no libpython", EXIT_USAGE);

    const json_node *processes = json_get(spec, "processes");
    const json_node *single[1] = {spec};
    const json_node *const *items = single;
    size_t count = 1;
    if (processes && processes->type == JSON_ARRAY) {
        items = (const json_node *const *)processes->items;
        count = processes->count;
    }
    double timeout_ms = 1000.0 * (double)json_get_long(spec, "timeout", 30);

    if (count > MAX_PROCESSES) return fail_record("too many processes in the spec (at most 64)", EXIT_USAGE);
    child_run *runs = calloc(count ? count : 1, sizeof *runs);
    if (!runs) return fail_record("out of memory", EXIT_INTERNAL);
    for (size_t i = 0; i < count; i++) {
        runs[i].spec = spec;
        runs[i].process = items[i];
        runs[i].index = (int)i;
    }
    run_children(runs, count, timeout_ms);

    strbuf rec;
    record_start(&rec);
    sb_puts(&rec, ",\"error\":null,\"processes\":[");
    int failed = 0;
    for (size_t i = 0; i < count; i++) {
        if (i) sb_puts(&rec, ",");
        if (append_child(&rec, &runs[i]) != 0) failed = 1;
    }
    sb_printf(&rec, "],\"duration_ms\":%.3f}", now_ms() - t0);
    write_record(&rec);
    return failed ? EXIT_PROCESS_FAILED : EXIT_OK;
}
