/* Offline images: every *.tar in images_dir is imported into containerd's k8s.io namespace, two at a
 * time, while the election and the configuration go on. A marker under /run/ekinit/images/ (on the
 * RAM root, like containerd's store) records what this boot imported, so a restarted ek-join does
 * not import again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify.h"
#include "run.h"
#include "ekjoin.h"

#define IMPORT_PARALLEL 2
static pid_t importer = -1;

/* Runs in the importer child and never returns into ek-join's flow: every path ends in _exit. */
static _Noreturn void import_all(const char *dir, const char *marks)
{
	DIR *d = opendir(dir);
	if (!d) {
		/* No directory is no images: kubeadm pulls what it needs (or fails, visibly). */
		printf("ek-join: images: %s: %s; nothing imported\n", dir, strerror(errno));
		fflush(stdout);
		_exit(errno == ENOENT ? 0 : 1);
	}
	char why[300];
	if (containerd_wait(CONTAINERD_SOCK, CONTAINERD_WAIT_MS, false, why, sizeof why) < 0) {
		printf("ek-join: images: %s; nothing imported\n", why);
		fflush(stdout);
		closedir(d);
		_exit(1);
	}
	mkdir(marks, 0755);
	int running = 0, failed = 0, done = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t len = strlen(de->d_name);
		char mark[600], tar[600];
		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".tar"))
			continue;
		snprintf(mark, sizeof mark, "%s/%s.done", marks, de->d_name);
		if (access(mark, F_OK) == 0)
			continue;
		if (running == IMPORT_PARALLEL) {
			int st;
			if (wait(&st) > 0)
				running--, failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		}
		snprintf(tar, sizeof tar, "%s/%s", dir, de->d_name);
		pid_t pid = fork();
		if (pid == 0) {
			char *argv[] = {"ctr", "-n", "k8s.io", "images", "import", tar, NULL}, err[200];
			struct run_result res;
			if (run_cmd(argv, 600000, NULL, 0, &res, err, sizeof err) < 0 || res.exit_code) {
				fprintf(stderr, "ek-join: importing %s failed\n", tar);
				_exit(1);
			}
			int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
			_exit(0);
		}
		if (pid > 0)
			running++, done++;
	}
	closedir(d);
	for (int st; running > 0 && wait(&st) > 0; running--)
		failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("ek-join: images: %d imported from %s, %d failed\n", done - failed, dir, failed);
	_exit(failed ? 1 : 0);
}

void images_start(const struct ekjoin *j)
{
	if (!j->conf.images_dir[0])
		return;
	char marks[300];
	snprintf(marks, sizeof marks, "%s/images", j->run_dir);
	fflush(stdout);
	importer = fork();
	if (importer == 0)
		import_all(j->conf.images_dir, marks);
	if (importer < 0)
		notify_status("ek-join", "images: cannot fork the importer: %s", strerror(errno));
}

void images_wait(void)
{
	if (importer <= 0)
		return;
	int st;
	notify_status("ek-join", "waiting for the image import");
	if (waitpid(importer, &st, 0) == importer && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		notify_status("ek-join", "images: some imports failed; kubeadm will pull what is missing");
	importer = -1;
}
