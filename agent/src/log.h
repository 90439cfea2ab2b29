/* Logging to stderr (the journal under systemd, the console as PID 1). */
#ifndef BANGER_LOG_H
#define BANGER_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(enum log_level level);
int log_parse_level(const char *name, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For events the host can provoke at will (malformed frames): at most a few lines a second,
 * with a count of what was suppressed. */
void log_limited(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
