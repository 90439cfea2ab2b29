/* The file-transfer workers: what a forked worker does for PUT_FILE, GET and PUT_TAR. */
#ifndef BANGER_FILES_H
#define BANGER_FILES_H

#include "message.h"
#include "operror.h"

/* Runs the request's transfer with blocking I/O on in_fd (data from the host) and out_fd
 * (data to the host). Returns 0 or a CLOSE code with err filled in. */
int files_run_worker(const struct open_req *req, int in_fd, int out_fd, struct op_error *err);

#endif
