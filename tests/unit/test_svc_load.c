/* What the service manager decides to run and in which order: the .wants links and the enabled
 * file, the Wants/Requires closure, After/Before resolution, and cycle breaking. Nothing is started. */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "log.h"
#include "svc.h"
#include "svc_skip.h"

static char dir[64];
static int logpipe[2];
static char logbuf[16384];

static void unitfile(const char *name, const char *unit_section)
{
	char path[256], text[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(text, sizeof text, "[Unit]\n%s\n[Service]\nExecStart=/bin/true\n", unit_section);
	t_write(path, text);
}

static void wants(const char *name)
{
	char path[256], target[256];
	snprintf(path, sizeof path, "%s/multi-user.target.wants", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/multi-user.target.wants/%s", dir, name);
	snprintf(target, sizeof target, "../%s", name);
	if (symlink(target, path) < 0)
		perror(path);
}

static bool after_has(struct svcmgr *m, const char *who, const char *dep)
{
	struct svc *s = svcmgr_find(m, who), *d = svcmgr_find(m, dep);
	for (size_t i = 0; s && d && i < s->nafter; i++)
		if (&m->v[s->after[i]] == d)
			return true;
	return false;
}

static struct svcmgr m;

static void load(void)
{
	static const char *dirs[2];
	static char enabled[128];
	dirs[0] = dir;
	dirs[1] = NULL;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	svcmgr_init(&m, ep);
	m.dirs = dirs;
	snprintf(enabled, sizeof enabled, "%s/enabled", dir);
	m.enabled_file = enabled;
	snprintf(m.notify_path, sizeof m.notify_path, "%s/notify", dir);
	svcmgr_load(&m);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
}

TEST(test_enabled_set_and_closure)
{
	T_ASSERT(svcmgr_find(&m, "a.service") && svcmgr_find(&m, "a.service")->enabled);
	T_ASSERT(svcmgr_find(&m, "e.service") && svcmgr_find(&m, "e.service")->enabled);
	struct svc *d = svcmgr_find(&m, "d.service");
	T_ASSERT(d != NULL);
	T_ASSERT(d->wanted);   /* pulled in by c's Requires= */
	T_ASSERT(!d->enabled); /* but not enabled itself */
	T_EQ_INT(d->state, SVC_WAITING);
	T_ASSERT(svcmgr_find(&m, "lonely.service") == NULL); /* exists but nobody wants it */
	T_ASSERT(svcmgr_find(&m, "multi-user.target") != NULL);
}

TEST(test_order_resolution)
{
	T_ASSERT(after_has(&m, "b.service", "a.service"));  /* After=a */
	T_ASSERT(after_has(&m, "a.service", "e.service"));  /* e has Before=a */
	T_ASSERT(after_has(&m, "c.service", "d.service"));  /* Requires implies After in ekinit */
	T_ASSERT(!after_has(&m, "a.service", "b.service"));
}

TEST(test_cycle_broken_deterministically)
{
	T_CONTAINS(logbuf, "ordering cycle: ");
	T_CONTAINS(logbuf, "ignoring z.service's order after x.service");
	T_ASSERT(!after_has(&m, "z.service", "x.service"));
	T_ASSERT(after_has(&m, "y.service", "z.service"));
	T_ASSERT(after_has(&m, "x.service", "y.service"));
}

TEST(test_missing_unit_reported)
{
	struct svc *s = svcmgr_find(&m, "ghost.service");
	T_ASSERT(s != NULL);
	T_EQ_INT(s->state, SVC_FAILED);
	T_CONTAINS(s->why, "no unit file found");
	T_CONTAINS(logbuf, "ghost.service: no unit file found");
}

/* Read-only lookups (status, is-active) of names nobody wants: a template instance, a target, a
 * unit that does not exist. Thousands of them must not grow the manager (each entry is ~32 KiB). */
TEST(test_lookups_leave_no_trace)
{
	size_t before = m.n;
	char name[64], err[300];
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "tpl@%d.service", i);
		struct svc *s = svcmgr_get(&m, name, err, sizeof err);
		T_ASSERT(s != NULL);
		T_EQ_STR(s->name, name);
		T_EQ_INT(s->state, SVC_INACTIVE);
		snprintf(name, sizeof name, "nothing-%d.target", i);
		svcmgr_get(&m, name, err, sizeof err);
		snprintf(name, sizeof name, "missing-%d.service", i);
		T_ASSERT(svcmgr_get(&m, name, err, sizeof err) == NULL);
		T_CONTAINS(err, "not-found");
		T_ASSERT(svcmgr_get(&m, "lonely.service", err, sizeof err) != NULL);
	}
	T_EQ_INT(m.n, before);
	/* A start is not a lookup: the unit joins the manager for good. */
	T_EQ_INT(svcmgr_start(&m, "tpl@kept.service", err, sizeof err), 0);
	T_EQ_INT(m.n, before + 1);
	T_ASSERT(svcmgr_find(&m, "tpl@kept.service") != NULL);
}

/* A stock image's static links to systemd's own units: not started, one console line, no warning;
 * named in /etc/ekinit/enabled, one still is. */
TEST(test_systemds_own_units_skipped)
{
	T_ASSERT(svcmgr_find(&m, "systemd-update-utmp-runlevel.service") == NULL);
	T_ASSERT(svcmgr_find(&m, "getty.target") == NULL);
	struct svc *l = svcmgr_find(&m, "systemd-logind.service");
	T_ASSERT(l != NULL && l->enabled);
	T_CONTAINS(logbuf, "not starting systemd's own units (svc_skip.h): ");
	T_CONTAINS(logbuf, "systemd-update-utmp-runlevel.service");
	T_ASSERT(strstr(logbuf, "warning: services: getty.target") == NULL);
	const char *first = strstr(logbuf, "not starting systemd's own units");
	T_ASSERT(first && !strstr(first + 1, "not starting systemd's own units")); /* once per directory */
	T_ASSERT(strstr(logbuf, "DefaultDependencies") == NULL); /* known key: no warning */
	T_ASSERT(svc_systemd_own("getty@tty2.service") && svc_systemd_own("serial-getty@ttyS0.service"));
	T_ASSERT(!svc_systemd_own("ssh.service") && !svc_systemd_own("containerd.service"));
}

int main(void)
{
	if (!t_tmpdir(dir, sizeof dir) || pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	ek_log_set_fd(logpipe[1]);
	unitfile("a.service", "Description=A\nDefaultDependencies=no");
	unitfile("b.service", "After=a.service");
	unitfile("c.service", "Requires=d.service");
	unitfile("d.service", "");
	unitfile("e.service", "Before=a.service");
	unitfile("x.service", "After=y.service");
	unitfile("y.service", "After=z.service");
	unitfile("z.service", "After=x.service");
	unitfile("lonely.service", "");
	unitfile("tpl@.service", "Description=instance %i");
	unitfile("w.service", "Wants=ghost.service");
	unitfile("systemd-update-utmp-runlevel.service", "");
	unitfile("getty@.service", "");
	unitfile("systemd-logind.service", "");
	const char *names[] = {"a.service", "b.service", "c.service", "x.service", "y.service", "z.service", "w.service",
			       "systemd-update-utmp-runlevel.service", "getty.target", "systemd-logind.service"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		wants(names[i]);
	char path[128];
	snprintf(path, sizeof path, "%s/enabled", dir);
	t_write(path, "# enabled by hand\ne.service\nsystemd-logind.service\n");
	load();
	T_RUN(test_enabled_set_and_closure);
	T_RUN(test_order_resolution);
	T_RUN(test_cycle_broken_deterministically);
	T_RUN(test_systemds_own_units_skipped);
	T_RUN(test_missing_unit_reported);
	T_RUN(test_lookups_leave_no_trace);
	t_rmtree(dir);
	return T_END();
}
