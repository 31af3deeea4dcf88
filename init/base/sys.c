#include "sys.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

static int real_reboot(int cmd)
{
	return reboot(cmd);
}

static double real_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

struct ek_sys ek_sys = {
	.mount = mount,
	.umount2 = umount2,
	.reboot = real_reboot,
	.sync = sync,
	.kill = kill,
	.now_ms = real_now_ms,
};
