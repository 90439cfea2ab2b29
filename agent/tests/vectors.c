#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "tlv.h"
#include "vectors.h"

static const struct {
    const char *name;
    uint8_t code;
} type_names[] = {{"HELLO", T_HELLO},   {"PING", T_PING},     {"PONG", T_PONG},
                  {"POWER", T_POWER},   {"POWER_ACK", T_POWER_ACK},
                  {"OPEN", T_OPEN},     {"OPENED", T_OPENED}, {"DATA", T_DATA},
                  {"EOF", T_EOF},       {"WINDOW", T_WINDOW}, {"RESIZE", T_RESIZE},
                  {"SIGNAL", T_SIGNAL}, {"EXIT", T_EXIT},     {"CLOSE", T_CLOSE}};

static const struct {
    const char *name;
    uint8_t tag;
} field_names[] = {{"NONCE", F_NONCE},       {"AGENT_VERSION", F_AGENT_VERSION},
                   {"KERNEL", F_KERNEL},     {"BOOT_TIME", F_BOOT_TIME},
                   {"UPTIME", F_UPTIME},     {"HOSTNAME", F_HOSTNAME},
                   {"TRANSPORT", F_TRANSPORT}, {"MAX_PAYLOAD", F_MAX_PAYLOAD},
                   {"WINDOW", F_WINDOW},     {"KIND", F_KIND},
                   {"ARG", F_ARG},           {"ENV", F_ENV},
                   {"CWD", F_CWD},           {"USER", F_USER},
                   {"TTY", F_TTY},           {"PATH", F_PATH},
                   {"MODE", F_MODE},         {"MTIME", F_MTIME},
                   {"PID", F_PID},           {"FILE_TYPE", F_FILE_TYPE},
                   {"SIZE", F_SIZE},         {"PORT", F_PORT},
                   {"HOST", F_HOST}};

static int compare_names(const void *a, const void *b) { return strcmp(a, b); }

size_t vector_list(const char *dir, char (*names)[512], size_t max) {
    DIR *d = opendir(dir);
    size_t n = 0;
    if (d == NULL) return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < max) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".vec") == 0) {
            snprintf(names[n++], 512, "%s/%s", dir, de->d_name);
        }
    }
    closedir(d);
    qsort(names, n, 512, compare_names);
    return n;
}

int hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len) {
    size_t n = 0;
    for (const char *p = hex; *p != '\0';) {
        if (*p == ' ' || *p == '\n') {
            p++;
            continue;
        }
        unsigned byte;
        if (sscanf(p, "%2x", &byte) != 1 || p[1] == '\0' || n >= cap) return -1;
        out[n++] = (uint8_t)byte;
        p += 2;
    }
    *len = n;
    return 0;
}

static int parse_field(struct vector *v, char *rest, char *err, size_t errlen) {
    char name[32], kind[8];
    int used = 0;
    if (v->nfields >= VEC_MAX_FIELDS || sscanf(rest, "%31s %7s %n", name, kind, &used) < 2) {
        snprintf(err, errlen, "bad field line");
        return -1;
    }
    struct vec_field *f = &v->fields[v->nfields++];
    const char *value = rest + used;
    f->tag = 0;
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++) {
        if (strcmp(field_names[i].name, name) == 0) f->tag = field_names[i].tag;
    }
    snprintf(f->kind, sizeof f->kind, "%s", kind);
    int width = strcmp(kind, "u8") == 0    ? 1
                : strcmp(kind, "u16") == 0 ? 2
                : strcmp(kind, "u32") == 0 ? 4
                : strcmp(kind, "u64") == 0 ? 8
                                           : 0;
    if (width > 0) {
        f->number = strtoull(value, NULL, 0);
        for (int i = 0; i < width; i++) f->raw[i] = (uint8_t)(f->number >> (8 * (width - 1 - i)));
        f->len = (size_t)width;
    } else if (strcmp(kind, "str") == 0) {
        snprintf(f->text, sizeof f->text, "%s", value);
        f->len = strlen(f->text);
        memcpy(f->raw, f->text, f->len);
    } else if (hex_decode(value, f->raw, sizeof f->raw, &f->len) != 0) {
        snprintf(err, errlen, "bad hex field");
        return -1;
    }
    if (f->tag == 0) {
        snprintf(err, errlen, "unknown field %s", name);
        return -1;
    }
    return 0;
}

static int parse_line(struct vector *v, char *line, char *err, size_t errlen) {
    char *space = strchr(line, ' ');
    char *rest = space ? space + 1 : line + strlen(line);
    if (space) *space = '\0';
    if (strcmp(line, "direction") == 0) {
        snprintf(v->direction, sizeof v->direction, "%s", rest);
    } else if (strcmp(line, "type") == 0) {
        for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
            if (strcmp(type_names[i].name, rest) == 0) v->type = type_names[i].code;
        }
    } else if (strcmp(line, "channel") == 0) {
        v->channel = (uint32_t)strtoul(rest, NULL, 10);
    } else if (strcmp(line, "expect") == 0) {
        snprintf(v->expect, sizeof v->expect, "%s", rest);
    } else if (strcmp(line, "skipped") == 0) {
        v->skipped = strtol(rest, NULL, 10);
    } else if (strcmp(line, "field") == 0) {
        return parse_field(v, rest, err, errlen);
    } else if (strcmp(line, "value") == 0) {
        if (v->nvalues >= VEC_MAX_VALUES) return -1;
        struct vec_value *val = &v->values[v->nvalues++];
        char *sp = strchr(rest, ' ');
        if (sp) *sp = '\0';
        snprintf(val->key, sizeof val->key, "%s", rest);
        snprintf(val->text, sizeof val->text, "%s", sp ? sp + 1 : "");
    } else if (strcmp(line, "payload") == 0) {
        v->has_payload = true;
        return hex_decode(rest, v->payload, sizeof v->payload, &v->payload_len);
    } else if (strcmp(line, "frame") == 0) {
        size_t n;
        if (hex_decode(rest, v->frame + v->frame_len, sizeof v->frame - v->frame_len, &n) != 0) {
            snprintf(err, errlen, "bad frame hex");
            return -1;
        }
        v->frame_len += n;
    } else {
        snprintf(err, errlen, "unknown directive %s", line);
        return -1;
    }
    return 0;
}

int vector_load(const char *path, struct vector *v, char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    const char *base = strrchr(path, '/');
    snprintf(v->name, sizeof v->name, "%s", base ? base + 1 : path);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    char line[4096];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        rc = parse_line(v, line, err, errlen);
    }
    fclose(f);
    if (rc == 0 && (v->type == 0 || v->expect[0] == '\0' || v->frame_len == 0)) {
        snprintf(err, errlen, "incomplete vector");
        rc = -1;
    }
    return rc;
}

const char *vector_value(const struct vector *v, const char *key) {
    for (size_t i = 0; i < v->nvalues; i++) {
        if (strcmp(v->values[i].key, key) == 0) return v->values[i].text;
    }
    return NULL;
}

long vector_number(const struct vector *v, const char *key) {
    const char *text = vector_value(v, key);
    return text ? strtol(text, NULL, 0) : -1;
}

static size_t fixed_payload(const struct vector *v, uint8_t *out, size_t cap) {
    size_t n = 0;
    const char *bytes = vector_value(v, "bytes");
    switch (v->type) {
    case T_DATA:
        out[n++] = (uint8_t)vector_number(v, "stream");
        break;
    case T_EOF: out[n++] = (uint8_t)vector_number(v, "stream"); break;
    case T_WINDOW:
        out[n++] = (uint8_t)vector_number(v, "stream");
        put_be32(out + n, (uint32_t)vector_number(v, "increment"));
        n += 4;
        break;
    case T_RESIZE:
        put_be16(out, (uint16_t)vector_number(v, "rows"));
        put_be16(out + 2, (uint16_t)vector_number(v, "cols"));
        n = 4;
        break;
    case T_SIGNAL: out[n++] = (uint8_t)vector_number(v, "signal"); break;
    case T_POWER: out[n++] = (uint8_t)vector_number(v, "action"); break;
    case T_EXIT:
        out[n++] = (uint8_t)vector_number(v, "how");
        put_be32(out + n, (uint32_t)vector_number(v, "value"));
        n += 4;
        break;
    case T_CLOSE: {
        const char *msg = vector_value(v, "message");
        put_be16(out, (uint16_t)vector_number(v, "code"));
        n = 2;
        memcpy(out + n, msg, strlen(msg));
        n += strlen(msg);
        break;
    }
    default: break;
    }
    if (bytes != NULL) {
        size_t len;
        if (hex_decode(bytes, out + n, cap - n, &len) == 0) n += len;
    }
    return n;
}

size_t vector_expected_payload(const struct vector *v, uint8_t *out, size_t cap) {
    if (v->nfields > 0) {
        struct tlv_writer w;
        tlv_writer_init(&w, out, cap);
        for (size_t i = 0; i < v->nfields; i++) {
            tlv_put(&w, v->fields[i].tag, v->fields[i].raw, v->fields[i].len);
        }
        return w.len;
    }
    if (v->nvalues > 0) return fixed_payload(v, out, cap);
    if (v->has_payload) {
        memcpy(out, v->payload, v->payload_len);
        return v->payload_len;
    }
    return 0;
}

int vectors_write_corpus(const char *dir, const char *out_dir) {
    static char names[256][512];
    struct vector *v = malloc(sizeof *v);
    size_t n = vector_list(dir, names, 256);
    int written = 0;
    for (size_t i = 0; v != NULL && i < n; i++) {
        char err[128], path[1024];
        if (vector_load(names[i], v, err, sizeof err) != 0) continue;
        snprintf(path, sizeof path, "%s/%s", out_dir, v->name);
        FILE *f = fopen(path, "wb");
        if (f == NULL) continue;
        written += fwrite(v->frame, 1, v->frame_len, f) == v->frame_len;
        fclose(f);
    }
    free(v);
    printf("wrote %d seed inputs to %s\n", written, out_dir);
    return written > 0 ? 0 : 1;
}
