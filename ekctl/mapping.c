/* Pure mappings for ekctl (mapping.h). */
#include "mapping.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/* systemd's unit types: a name ending in one of these already says what it is. */
static const char *const suffixes[] = {".service", ".target", ".socket", ".timer", ".mount", ".automount",
				       ".path",    ".slice",  ".scope",  ".device", ".swap", NULL};

static bool has_suffix(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; suffixes[i]; i++) {
		size_t k = strlen(suffixes[i]);
		if (n > k && !strcmp(s + n - k, suffixes[i]))
			return true;
	}
	return false;
}

int ekc_unit_name(const char *in, char *out, size_t cap)
{
	/* A path is what systemctl would resolve to a mount or device unit; we have neither. */
	if (!*in || strchr(in, '/'))
		return -EINVAL;
	int n = snprintf(out, cap, "%s%s", in, has_suffix(in) ? "" : ".service");
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static bool starts_with_word(const char *body, const char *word)
{
	size_t n = strlen(word);
	return !strncmp(body, word, n) && body[n] == ':';
}

enum ekc_reply ekc_reply_kind(const char *reply, const char **body)
{
	if (!strncmp(reply, "ok\n", 3) || !strcmp(reply, "ok")) {
		*body = reply + (reply[2] ? 3 : 2);
		return EKC_OK;
	}
	*body = !strncmp(reply, "error\n", 6) ? reply + 6 : reply;
	if (starts_with_word(*body, EK_ERR_NOT_FOUND))
		return EKC_NOT_FOUND;
	if (starts_with_word(*body, EK_ERR_INVALID))
		return EKC_INVALID;
	return EKC_ERROR;
}

int ekc_parse_state(const char *body, char *active, size_t cap, bool *enabled)
{
	size_t n = strcspn(body, " \n");
	if (n == 0 || n >= cap || body[n] != ' ')
		return -EINVAL;
	memcpy(active, body, n);
	active[n] = '\0';
	const char *e = body + n + 1;
	size_t m = strcspn(e, " \n");
	if (m == 7 && !strncmp(e, "enabled", 7))
		*enabled = true;
	else if (m == 8 && !strncmp(e, "disabled", 8))
		*enabled = false;
	else
		return -EINVAL;
	return 0;
}

enum ekc_outcome ekc_job_outcome(enum ekc_job job, const char *active)
{
	bool is_active = !strcmp(active, "active"), failed = !strcmp(active, "failed"),
	     inactive = !strcmp(active, "inactive");
	switch (job) {
	case EKC_JOB_STOP:
		/* A stop that ends in "failed" (the process died of SIGKILL) still stopped it. */
		return inactive || failed ? EKC_DONE : EKC_WAIT;
	case EKC_JOB_START:
	case EKC_JOB_RESTART:
	case EKC_JOB_RELOAD:
		return is_active || inactive ? EKC_DONE : failed ? EKC_FAILED : EKC_WAIT;
	}
	return EKC_WAIT;
}
