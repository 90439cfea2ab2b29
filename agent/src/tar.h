/* Streaming ustar/PAX archives of directory trees, for copying directories in and out. */
#ifndef BANGER_TAR_H
#define BANGER_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "operror.h"

#define TAR_BLOCK 512u
#define TAR_MAX_PATH 4096u

struct tar_entry {
    char path[TAR_MAX_PATH];
    char link[TAR_MAX_PATH];
    char type; /* '0' file, '1' hard link, '2' symlink, '5' directory, others skipped */
    uint32_t mode;
    uint64_t size;
    int64_t mtime;
};


/* Parses one header block; returns 1 for an entry, 0 for an all-zero block, -1 if invalid. */
int tar_header_parse(const uint8_t block[TAR_BLOCK], struct tar_entry *e, const char **why);
enum { TAR_SET_PATH = 1, TAR_SET_LINK = 2, TAR_SET_SIZE = 4, TAR_SET_MTIME = 8 };

/* Applies PAX extended header records (path, linkpath, size, mtime) to e and ORs the
 * TAR_SET_* bits of the keys it found into *set. */
int tar_pax_apply(const char *data, size_t len, struct tar_entry *e, unsigned *set,
                  const char **why);
/* Splits an archive path into safe components under the root: rejects "..", drops "." and
 * empty parts. Writes the cleaned relative path into out; an empty result is the root. */
int tar_clean_path(const char *path, char *out, size_t cap, const char **why);

/* Both return 0 or a CLOSE code with err filled in (a message naming the path). */
int tar_write_tree(int out_fd, const char *dir, struct op_error *err);
int tar_extract(int in_fd, const char *dest_dir, struct op_error *err);

#endif
