/* phylactery's certificate key for /join-credentials: the cached key is handed out only while it is
 * young and the kubeadm-certs Secret exists; otherwise the certificates are uploaded again. kubeadm and
 * kubectl are small shell scripts here: kubeadm counts its uploads, kubectl answers as the API would. */
#include "t.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"

#define OLD_KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NEW_KEY "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static char dir[64], kubeadm[96], kubectl[96], cache[96], uploads[96], secret[96];

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	T_ASSERT(f != NULL);
	fputs(text, f);
	fclose(f);
	T_EQ_INT(chmod(path, mode), 0);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/ekt-creds-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(kubeadm, sizeof kubeadm, "%s/kubeadm", dir);
	snprintf(kubectl, sizeof kubectl, "%s/kubectl", dir);
	snprintf(cache, sizeof cache, "%s/certkey", dir);
	snprintf(uploads, sizeof uploads, "%s/uploads", dir);
	snprintf(secret, sizeof secret, "%s/secret-present", dir);
	char text[512];
	snprintf(text, sizeof text, "#!/bin/sh\necho upload >>%s\necho '[upload-certs] Using certificate key:'\n"
		 "echo " NEW_KEY "\n", uploads);
	write_file(kubeadm, text, 0755);
	/* the Secret "exists" while the file does; the arguments must name it */
	snprintf(text, sizeof text, "#!/bin/sh\ncase \"$*\" in *'get secret kubeadm-certs'*) ;; *) exit 3 ;; esac\n"
		 "[ -e %s ] || { echo 'Error from server (NotFound)' >&2; exit 1; }\necho secret/kubeadm-certs\n",
		 secret);
	write_file(kubectl, text, 0755);
}

static int upload_count(void)
{
	FILE *f = fopen(uploads, "r");
	if (!f)
		return 0;
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void teardown(void)
{
	const char *files[] = {kubeadm, kubectl, cache, uploads, secret};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		unlink(files[i]);
	rmdir(dir);
}

TEST(cached_key_is_used_while_the_secret_exists)
{
	setup();
	struct creds_paths p = {.certkey_cache = cache, .kubeadm = kubeadm, .kubectl = kubectl, .admin_conf = "a"};
	char key[65], err[256];
	write_file(cache, OLD_KEY, 0600);
	write_file(secret, "", 0644);
	T_EQ_INT(creds_certificate_key(&p, key, err, sizeof err), 0);
	T_EQ_STR(key, OLD_KEY);
	T_EQ_INT(upload_count(), 0);
	teardown();
}

TEST(secret_gone_means_a_new_upload_and_a_new_cached_key)
{
	setup();
	struct creds_paths p = {.certkey_cache = cache, .kubeadm = kubeadm, .kubectl = kubectl, .admin_conf = "a"};
	char key[65], err[256];
	write_file(cache, OLD_KEY, 0600);
	/* no secret-present file: the Secret expired or was deleted */
	T_EQ_INT(creds_certificate_key(&p, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 1);
	/* the new key is cached: with the Secret back, no further upload */
	write_file(secret, "", 0644);
	T_EQ_INT(creds_certificate_key(&p, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 1);
	teardown();
}

TEST(old_cache_means_a_new_upload_even_with_the_secret)
{
	setup();
	struct creds_paths p = {.certkey_cache = cache, .kubeadm = kubeadm, .kubectl = kubectl, .admin_conf = "a"};
	char key[65], err[256];
	write_file(cache, OLD_KEY, 0600);
	write_file(secret, "", 0644);
	struct timeval old[2] = {{.tv_sec = time(NULL) - CERTKEY_MAX_AGE_S - 60}, {.tv_sec = time(NULL) - CERTKEY_MAX_AGE_S - 60}};
	T_EQ_INT(utimes(cache, old), 0);
	T_EQ_INT(creds_certificate_key(&p, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 1);
	teardown();
}

TEST(no_kubectl_path_trusts_the_cache_and_a_failing_upload_is_an_error)
{
	setup();
	struct creds_paths p = {.certkey_cache = cache, .kubeadm = kubeadm};
	char key[65], err[256];
	write_file(cache, OLD_KEY, 0600);
	T_EQ_INT(creds_certificate_key(&p, key, err, sizeof err), 0);
	T_EQ_STR(key, OLD_KEY);
	T_EQ_INT(upload_count(), 0);
	/* a kubeadm that fails: the caller gets an error, nothing is cached */
	unlink(cache);
	write_file(kubeadm, "#!/bin/sh\nexit 1\n", 0755);
	T_ASSERT(creds_certificate_key(&p, key, err, sizeof err) < 0);
	T_CONTAINS(err, "failed");
	T_ASSERT(access(cache, F_OK) < 0);
	teardown();
}

int main(void)
{
	T_RUN(cached_key_is_used_while_the_secret_exists);
	T_RUN(secret_gone_means_a_new_upload_and_a_new_cached_key);
	T_RUN(old_cache_means_a_new_upload_even_with_the_secret);
	T_RUN(no_kubectl_path_trusts_the_cache_and_a_failing_upload_is_an_error);
	return T_END();
}
