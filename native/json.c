/* See json.h. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct {
    const char *p;
    const char *end;
    char *err;
    size_t errlen;
    int failed;
} parser;

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fputs("wsgidoctor-host: out of memory\n", stderr);
        exit(70);
    }
    return p;
}

static void fail_at(parser *ps, const char *what, const char *start)
{
    if (!ps->failed) {
        ps->failed = 1;
        snprintf(ps->err, ps->errlen, "invalid JSON: %s (offset %ld)", what, (long)(ps->p - start));
    }
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static void put_utf8(strbuf *sb, unsigned long cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) { out[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    sb_append(sb, out, n);
}

static int hex4(const char *s, unsigned long *out)
{
    unsigned long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned long)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Parse a string starting at the opening quote; returns the decoded bytes in sb. */
static int parse_string_into(parser *ps, strbuf *sb, const char *base)
{
    ps->p++; /* opening quote */
    while (ps->p < ps->end) {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            return 0;
        }
        if (c < 0x20) {
            fail_at(ps, "control character in string", base);
            return -1;
        }
        if (c != '\\') {
            sb_append(sb, ps->p, 1);
            ps->p++;
            continue;
        }
        if (ps->end - ps->p < 2) break;
        char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"': sb_append(sb, "\"", 1); break;
        case '\\': sb_append(sb, "\\", 1); break;
        case '/': sb_append(sb, "/", 1); break;
        case 'b': sb_append(sb, "\b", 1); break;
        case 'f': sb_append(sb, "\f", 1); break;
        case 'n': sb_append(sb, "\n", 1); break;
        case 'r': sb_append(sb, "\r", 1); break;
        case 't': sb_append(sb, "\t", 1); break;
        case 'u': {
            unsigned long cp, lo;
            if (ps->end - ps->p < 4 || hex4(ps->p, &cp) < 0) {
                fail_at(ps, "bad \\u escape", base);
                return -1;
            }
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                ps->p[1] == 'u' && hex4(ps->p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                ps->p += 6;
            }
            if (cp >= 0xDC80 && cp <= 0xDCFF) {
                /* a lone low surrogate: Python's surrogateescape for an undecodable byte */
                char byte = (char)(cp - 0xDC00);
                sb_append(sb, &byte, 1);
            } else {
                put_utf8(sb, cp);
            }
            break;
        }
        default:
            fail_at(ps, "bad escape", base);
            return -1;
        }
    }
    fail_at(ps, "unterminated string", base);
    return -1;
}

static json_node *parse_value(parser *ps, int depth, const char *base);

static json_node *parse_container(parser *ps, int depth, const char *base, int is_object)
{
    json_node *node = xalloc(sizeof *node);
    node->type = is_object ? JSON_OBJECT : JSON_ARRAY;
    node->raw = ps->p;
    size_t cap = 8;
    node->items = xalloc(cap * sizeof *node->items);
    if (is_object) node->keys = xalloc(cap * sizeof *node->keys);
    char close = is_object ? '}' : ']';
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        node->raw_len = (size_t)(ps->p - node->raw);
        return node;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (is_object) {
            strbuf kb;
            if (ps->p >= ps->end || *ps->p != '"') {
                fail_at(ps, "expected a member name", base);
                return NULL;
            }
            sb_init(&kb);
            if (parse_string_into(ps, &kb, base) < 0) return NULL;
            sb_append(&kb, "", 1);
            key = kb.data;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                fail_at(ps, "expected ':'", base);
                return NULL;
            }
            ps->p++;
        }
        json_node *child = parse_value(ps, depth + 1, base);
        if (!child) return NULL;
        if (node->count == cap) {
            cap *= 2;
            node->items = realloc(node->items, cap * sizeof *node->items);
            if (is_object) node->keys = realloc(node->keys, cap * sizeof *node->keys);
            if (!node->items || (is_object && !node->keys)) {
                fputs("wsgidoctor-host: out of memory\n", stderr);
                exit(70);
            }
        }
        if (is_object) node->keys[node->count] = key;
        node->items[node->count++] = child;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            node->raw_len = (size_t)(ps->p - node->raw);
            return node;
        }
        fail_at(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'", base);
        return NULL;
    }
}

static json_node *parse_value(parser *ps, int depth, const char *base)
{
    if (depth > MAX_DEPTH) {
        fail_at(ps, "nesting too deep", base);
        return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        fail_at(ps, "unexpected end of input", base);
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') return parse_container(ps, depth, base, c == '{');
    json_node *node = xalloc(sizeof *node);
    node->raw = ps->p;
    if (c == '"') {
        strbuf sb;
        sb_init(&sb);
        if (parse_string_into(ps, &sb, base) < 0) return NULL;
        node->type = JSON_STRING;
        node->str_len = sb.len;
        sb_append(&sb, "", 1);
        node->str = sb.data;
    } else if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) {
        node->type = JSON_BOOL;
        node->boolean = 1;
        ps->p += 4;
    } else if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) {
        node->type = JSON_BOOL;
        ps->p += 5;
    } else if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
        node->type = JSON_NULL;
        ps->p += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char tmp[64];
        size_t n = 0;
        while (ps->p < ps->end && n < sizeof tmp - 1 &&
               (strchr("+-.eE", *ps->p) || (*ps->p >= '0' && *ps->p <= '9')))
            tmp[n++] = *ps->p++;
        tmp[n] = '\0';
        char *endp;
        node->number = strtod(tmp, &endp);
        if (*endp) {
            fail_at(ps, "bad number", base);
            return NULL;
        }
        node->type = JSON_NUMBER;
    } else {
        fail_at(ps, "unexpected character", base);
        return NULL;
    }
    node->raw_len = (size_t)(ps->p - node->raw);
    return node;
}

json_node *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    parser ps = {text, text + len, err, errlen, 0};
    if (errlen) err[0] = '\0';
    json_node *root = parse_value(&ps, 0, text);
    if (!root) return NULL;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        fail_at(&ps, "trailing characters after the value", text);
        return NULL;
    }
    return root;
}

const json_node *json_get(const json_node *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

const char *json_get_str(const json_node *obj, const char *key, const char *dflt)
{
    const json_node *n = json_get(obj, key);
    return (n && n->type == JSON_STRING) ? n->str : dflt;
}

long json_get_long(const json_node *obj, const char *key, long dflt)
{
    const json_node *n = json_get(obj, key);
    if (n && n->type == JSON_NUMBER) return (long)n->number;
    if (n && n->type == JSON_BOOL) return n->boolean;
    return dflt;
}

int json_get_bool(const json_node *obj, const char *key, int dflt)
{
    const json_node *n = json_get(obj, key);
    if (n && n->type == JSON_BOOL) return n->boolean;
    if (n && n->type == JSON_NUMBER) return n->number != 0;
    return dflt;
}

/* ---- writer ---- */

void sb_init(strbuf *sb)
{
    sb->cap = 256;
    sb->len = 0;
    sb->data = xalloc(sb->cap);
}

void sb_append(strbuf *sb, const char *data, size_t len)
{
    if (sb->len + len + 1 > sb->cap) {
        while (sb->len + len + 1 > sb->cap) sb->cap *= 2;
        sb->data = realloc(sb->data, sb->cap);
        if (!sb->data) {
            fputs("wsgidoctor-host: out of memory\n", stderr);
            exit(70);
        }
    }
    memcpy(sb->data + sb->len, data, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void sb_puts(strbuf *sb, const char *s)
{
    sb_append(sb, s, strlen(s));
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        sb_append(sb, small, (size_t)n);
        return;
    }
    char *big = xalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_append(sb, big, (size_t)n);
    free(big);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the bytes are not valid UTF-8. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    unsigned long cp;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
    else return 0;
    if (n > avail) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp < 0xE000))
        return 0;
    return n;
}

void sb_json_string(strbuf *sb, const char *data, size_t len)
{
    if (!data) {
        sb_puts(sb, "null");
        return;
    }
    const unsigned char *s = (const unsigned char *)data;
    sb_append(sb, "\"", 1);
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c == '"') { sb_append(sb, "\\\"", 2); i++; }
        else if (c == '\\') { sb_append(sb, "\\\\", 2); i++; }
        else if (c == '\n') { sb_append(sb, "\\n", 2); i++; }
        else if (c == '\r') { sb_append(sb, "\\r", 2); i++; }
        else if (c == '\t') { sb_append(sb, "\\t", 2); i++; }
        else if (c < 0x20 || c == 0x7F) { sb_printf(sb, "\\u%04x", c); i++; }
        else if (c < 0x80) { sb_append(sb, (const char *)s + i, 1); i++; }
        else {
            size_t n = utf8_seq(s + i, len - i);
            if (n) { sb_append(sb, (const char *)s + i, n); i += n; }
            else { sb_printf(sb, "\\u%04x", c); i++; }
        }
    }
    sb_append(sb, "\"", 1);
}

void sb_json_cstr(strbuf *sb, const char *s)
{
    sb_json_string(sb, s, s ? strlen(s) : 0);
}

void sb_free(strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}
