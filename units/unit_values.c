/* Typed setting values (unit_values.h), per systemd.time(7) and systemd.exec(5). */
#include "unit_values.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int unit_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
	static const char *const no[] = {"0", "no", "n", "false", "f", "off"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int unit_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int unit_parse_int(const char *s, int min, int max, int *out)
{
	bool neg = *s == '-';
	uint64_t v;
	int r = unit_parse_uint(s + (neg || *s == '+'), (uint64_t)1 << 32, &v);
	if (r < 0)
		return r;
	long long x = neg ? -(long long)v : (long long)v;
	if (x < min || x > max)
		return -ERANGE;
	*out = (int)x;
	return 0;
}

int unit_parse_mode(const char *s, mode_t *out)
{
	unsigned v = 0;
	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -EINVAL;
		v = v * 8 + (unsigned)(*s - '0');
	}
	if (v > 07777)
		return -ERANGE;
	*out = (mode_t)v;
	return 0;
}

static const struct {
	const char *name;
	uint64_t usec;
} time_units[] = {
	{"us", 1},           {"usec", 1},           {"\xc2\xb5s", 1},     {"ms", 1000},
	{"msec", 1000},      {"s", 1000000},        {"sec", 1000000},     {"second", 1000000},
	{"seconds", 1000000}, {"m", 60000000},      {"min", 60000000},    {"minute", 60000000},
	{"minutes", 60000000}, {"h", 3600000000ULL}, {"hr", 3600000000ULL}, {"hour", 3600000000ULL},
	{"hours", 3600000000ULL}, {"d", 86400000000ULL}, {"day", 86400000000ULL},
	{"days", 86400000000ULL}, {"w", 604800000000ULL}, {"week", 604800000000ULL},
	{"weeks", 604800000000ULL}, {"M", 2629800000000ULL}, {"month", 2629800000000ULL},
	{"months", 2629800000000ULL}, {"y", 31557600000000ULL}, {"year", 31557600000000ULL},
	{"years", 31557600000000ULL},
};

int unit_parse_timespan(const char *s, uint64_t *out)
{
	uint64_t total = 0;
	bool any = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!strcmp(s, "infinity")) {
		*out = UNIT_INFINITY;
		return 0;
	}
	while (*s) {
		uint64_t whole = 0, frac_num = 0, frac_den = 1;
		const char *start = s;
		while (*s >= '0' && *s <= '9') {
			if (whole > UINT64_MAX / 10 - 1)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*s++ - '0');
		}
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9') {
				if (frac_den < 1000000000ULL) {
					frac_num = frac_num * 10 + (uint64_t)(*s - '0');
					frac_den *= 10;
				}
				s++;
			}
		}
		if (s == start || (s == start + 1 && *start == '.'))
			return -EINVAL;
		while (*s == ' ' || *s == '\t')
			s++;
		const char *u = s;
		while (*s && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (unsigned char)*s >= 0x80))
			s++;
		uint64_t mult = 1000000; /* a bare number is seconds */
		if (s > u) {
			size_t n = (size_t)(s - u);
			mult = 0;
			for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++)
				if (strlen(time_units[i].name) == n && !memcmp(time_units[i].name, u, n))
					mult = time_units[i].usec;
			if (!mult)
				return -EINVAL;
		}
		if (whole && mult > UINT64_MAX / whole)
			return -ERANGE;
		uint64_t part = whole * mult + frac_num * mult / frac_den;
		if (total > UINT64_MAX - 1 - part)
			return -ERANGE;
		total += part;
		any = true;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	if (!any)
		return -EINVAL;
	*out = total;
	return 0;
}

static int parse_limit_value(const char *s, bool bytes, uint64_t *out)
{
	if (!strcmp(s, "infinity")) {
		*out = UNIT_INFINITY;
		return 0;
	}
	char num[32];
	size_t len = strlen(s);
	uint64_t mult = 1;
	if (len == 0 || len >= sizeof num)
		return -EINVAL;
	memcpy(num, s, len + 1);
	if (bytes) {
		const char *suffixes = "KMGTPE";
		const char *hit = strchr(suffixes, num[len - 1]);
		if (hit && num[len - 1]) {
			for (const char *q = suffixes; q <= hit; q++)
				mult *= 1024;
			num[--len] = '\0';
		}
	}
	uint64_t v;
	int r = unit_parse_uint(num, UINT64_MAX - 1, &v);
	if (r < 0)
		return r;
	if (v && mult > (UINT64_MAX - 1) / v)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int unit_parse_rlimit(const char *s, bool bytes, struct unit_rlimit *out)
{
	char soft[40];
	const char *colon = strchr(s, ':');
	uint64_t a, b;
	int r;

	if (!colon) {
		r = parse_limit_value(s, bytes, &a);
		b = a;
	} else {
		if ((size_t)(colon - s) >= sizeof soft)
			return -EINVAL;
		snprintf(soft, sizeof soft, "%.*s", (int)(colon - s), s);
		r = parse_limit_value(soft, bytes, &a);
		if (r == 0)
			r = parse_limit_value(colon + 1, bytes, &b);
		if (r == 0 && a > b)
			r = -EINVAL; /* the soft limit cannot exceed the hard one */
	}
	if (r < 0)
		return r;
	out->set = true;
	out->soft = a;
	out->hard = b;
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},   {"TRAP", SIGTRAP},
	{"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL}, {"USR1", SIGUSR1},
	{"SEGV", SIGSEGV}, {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
	{"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},   {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
	{"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
	{"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},       {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

int unit_parse_signal(const char *s, int *out)
{
	uint64_t v;
	if (unit_parse_uint(s, 64, &v) == 0) {
		if (v == 0)
			return -ERANGE;
		*out = (int)v;
		return 0;
	}
	const char *n = strncmp(s, "SIG", 3) ? s : s + 3;
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		if (!strcmp(n, signals[i].name)) {
			*out = signals[i].sig;
			return 0;
		}
	}
	/* SIGRTMIN+N: the real-time signals, as kill -l names them. */
	if (!strncmp(n, "RTMIN+", 6) && unit_parse_uint(n + 6, (uint64_t)(SIGRTMAX - SIGRTMIN), &v) == 0) {
		*out = SIGRTMIN + (int)v;
		return 0;
	}
	return -EINVAL;
}

int unit_parse_status_set(const char *s, struct unit_status_set *set)
{
	struct unit_status_set tmp = *set;
	char word[32];

	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		size_t n = strcspn(s, " \t\r\n\v\f");
		if (!n)
			break;
		if (n >= sizeof word)
			return -EINVAL;
		memcpy(word, s, n);
		word[n] = '\0';
		s += n;
		uint64_t code;
		int sig;
		if (unit_parse_uint(word, 255, &code) == 0)
			tmp.code[code / 8] |= (uint8_t)(1u << (code % 8));
		else if (!strncmp(word, "SIG", 3) && unit_parse_signal(word, &sig) == 0)
			tmp.sig |= 1ULL << (sig - 1);
		else
			return -EINVAL;
	}
	*set = tmp;
	return 0;
}
