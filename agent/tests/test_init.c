/* The entrypoint file written by the OCI importer for init mode. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "init.h"

static void free_entrypoint(struct entrypoint *e) {
    for (size_t i = 0; i < e->argc; i++) free(e->argv[i]);
    for (size_t i = 0; i < e->envc; i++) free(e->env[i]);
    free(e->argv);
    free(e->env);
    free(e->cwd);
    free(e->user);
}

TEST(entrypointFileGivesArgvEnvDirectoryAndUser) {
    struct entrypoint e;
    char err[128];
    CHECK(entrypoint_parse("# from the image config\n"
                           "arg /bin/sh\narg -c\narg printf 'a\\tb\\n'\n"
                           "env PATH=/usr/bin:/bin\nenv GREETING=hello world\n\n"
                           "cwd /srv\nuser 1000:1000\n",
                           &e, err, sizeof err) == 0);
    CHECK(e.argc == 3 && e.envc == 2);
    CHECK_STR(e.argv[2], "printf 'a\tb\n'");
    CHECK(e.argv[3] == NULL);
    CHECK_STR(e.env[1], "GREETING=hello world");
    CHECK_STR(e.cwd, "/srv");
    CHECK_STR(e.user, "1000:1000");
    free_entrypoint(&e);
}

TEST(entrypointFileErrorsNameTheLine) {
    struct entrypoint e;
    char err[128];
    CHECK(entrypoint_parse("arg ok\nbogus line\n", &e, err, sizeof err) == -1);
    CHECK(strstr(err, "line 2") != NULL);
    free_entrypoint(&e);
    CHECK(entrypoint_parse("arg bad\\q\n", &e, err, sizeof err) == -1);
    CHECK(strstr(err, "escape") != NULL);
    free_entrypoint(&e);
    CHECK(entrypoint_parse("env X=1\n", &e, err, sizeof err) == -1);
    CHECK(strstr(err, "no arg") != NULL);
    free_entrypoint(&e);
}
