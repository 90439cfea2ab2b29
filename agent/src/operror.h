/* The outcome of a failed file operation: a CLOSE code and a message naming what failed. */
#ifndef BANGER_OPERROR_H
#define BANGER_OPERROR_H

struct op_error {
    int code;
    char message[512];
};

#endif
