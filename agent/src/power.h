/* Powering the guest off or rebooting it on the host's request. */
#ifndef BANGER_POWER_H
#define BANGER_POWER_H

#include <stdbool.h>

/* As PID 1: stops every process, syncs, unmounts and calls reboot(2); does not return.
 * Otherwise: asks systemd when it runs, or syncs and calls reboot(2) itself. */
void power_act(int action, bool as_init);

#endif
