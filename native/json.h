/*
 * A small JSON reader and writer for the hosting program's request spec and result record.
 *
 * The reader builds a tree of nodes that keep the raw text span of every value, so that a
 * sub-object (one process, one run) can be handed to Python verbatim. Strings are decoded to
 * UTF-8. The writer escapes arbitrary bytes: valid UTF-8 passes through, any other byte is
 * written as the Latin-1 code point \u00XX so the record is always valid JSON.
 */
#ifndef WSGIDOCTOR_JSON_H
#define WSGIDOCTOR_JSON_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_node {
    json_type type;
    const char *raw;      /* start of this value's text in the parsed buffer */
    size_t raw_len;
    char *str;            /* JSON_STRING: decoded, NUL-terminated (may contain NULs) */
    size_t str_len;
    double number;        /* JSON_NUMBER */
    int boolean;          /* JSON_BOOL */
    size_t count;         /* JSON_ARRAY: elements; JSON_OBJECT: members */
    char **keys;          /* JSON_OBJECT: decoded member names */
    struct json_node **items;
} json_node;

/* Parse text; NULL on error with a message in err. Nodes are never freed (short-lived process). */
json_node *json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Object member by name, or NULL (also NULL when obj is not an object). */
const json_node *json_get(const json_node *obj, const char *key);

/* Typed accessors with defaults; a JSON null counts as absent. */
const char *json_get_str(const json_node *obj, const char *key, const char *dflt);
long json_get_long(const json_node *obj, const char *key, long dflt);
int json_get_bool(const json_node *obj, const char *key, int dflt);

/* A growable byte buffer for building output. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} strbuf;

void sb_init(strbuf *sb);
void sb_append(strbuf *sb, const char *data, size_t len);
void sb_puts(strbuf *sb, const char *s);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append data as a quoted JSON string (NULL data appends null). */
void sb_json_string(strbuf *sb, const char *data, size_t len);
void sb_json_cstr(strbuf *sb, const char *s);
void sb_free(strbuf *sb);

#endif
