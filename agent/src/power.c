#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "power.h"
#include "proto.h"

#define GRACE_MS 3000

static int reap_all(void) {
    int left = 0;
    for (;;) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);
        if (pid > 0) continue;
        left = pid == 0;
        break;
    }
    return left;
}

static void stop_everything(void) {
    kill(-1, SIGTERM);
    kill(-1, SIGCONT);
    struct timespec step = {.tv_sec = 0, .tv_nsec = 50 * 1000000L};
    for (int waited = 0; waited < GRACE_MS && reap_all(); waited += 50) {
        nanosleep(&step, NULL);
    }
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0) {
    }
}

static void halt_as_init(int action) {
    log_msg(LOG_INFO, "%s: stopping all processes", action == POWER_OFF ? "power off" : "reboot");
    sync();
    stop_everything();
    umount2("/work", MNT_DETACH);
    /* A read-only root is the only way to be sure its journal is clean before the end. */
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) != 0) {
        log_msg(LOG_WARN, "remounting / read-only: %s", strerror(errno));
    }
    sync();
    reboot(action == POWER_OFF ? RB_POWER_OFF : RB_AUTOBOOT);
    log_msg(LOG_ERROR, "reboot(2) failed: %s", strerror(errno));
    _exit(1);
}

static void ask_systemd(int action) {
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/systemctl", "systemctl", "--no-block",
              action == POWER_OFF ? "poweroff" : "reboot", (char *)NULL);
        execlp("systemctl", "systemctl", "--no-block",
               action == POWER_OFF ? "poweroff" : "reboot", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        log_msg(LOG_WARN, "systemctl did not accept the request, calling reboot(2) directly");
        sync();
        reboot(action == POWER_OFF ? RB_POWER_OFF : RB_AUTOBOOT);
        log_msg(LOG_ERROR, "reboot(2) failed: %s", strerror(errno));
    }
}

void power_act(int action, bool as_init) {
    if (as_init) halt_as_init(action);
    if (access("/run/systemd/system", F_OK) == 0) {
        ask_systemd(action);
        return;
    }
    sync();
    reboot(action == POWER_OFF ? RB_POWER_OFF : RB_AUTOBOOT);
    log_msg(LOG_ERROR, "reboot(2) failed: %s", strerror(errno));
}
