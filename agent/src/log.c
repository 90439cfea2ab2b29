#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LIMIT_BURST 10
#define LIMIT_PER_SECOND 5

static enum log_level current_level = LOG_INFO;
static double tokens = LIMIT_BURST;
static struct timespec last_refill;
static unsigned long suppressed;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level) { current_level = level; }

int log_parse_level(const char *name, enum log_level *out) {
    for (int i = 0; i <= LOG_DEBUG; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

__attribute__((format(printf, 2, 0))) static void vlog(enum log_level level, const char *fmt,
                                                     va_list ap) {
    char line[1024];
    int n = snprintf(line, sizeof line, "banger-vsock-agent[%d]: %s: ", (int)getpid(),
                     level_names[level]);
    if (n < 0 || (size_t)n >= sizeof line) {
        return;
    }
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
    if (len > sizeof line - 2) {
        len = sizeof line - 2;
    }
    line[len++] = '\n';
    /* One write per line so lines from the agent and its children do not interleave. */
    ssize_t written = write(STDERR_FILENO, line, len);
    (void)written;
}

void log_msg(enum log_level level, const char *fmt, ...) {
    if (level > current_level) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}

static int take_token(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed = (double)(now.tv_sec - last_refill.tv_sec) +
                     (double)(now.tv_nsec - last_refill.tv_nsec) / 1e9;
    last_refill = now;
    tokens += elapsed * LIMIT_PER_SECOND;
    if (tokens > LIMIT_BURST) {
        tokens = LIMIT_BURST;
    }
    if (tokens < 1.0) {
        suppressed++;
        return 0;
    }
    tokens -= 1.0;
    return 1;
}

void log_limited(enum log_level level, const char *fmt, ...) {
    if (level > current_level || !take_token()) {
        return;
    }
    if (suppressed > 0) {
        log_msg(level, "%lu similar messages suppressed", suppressed);
        suppressed = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}
