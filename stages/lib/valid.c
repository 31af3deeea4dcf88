#include "valid.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

bool valid_ipv4(const char *s, struct in_addr *out)
{
	uint32_t v = 0;
	for (int part = 0; part < 4; part++) {
		unsigned n = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (digits && n == 0)
				return false; /* leading zero: inet_aton would read octal */
			n = n * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || n > 255)
				return false;
		}
		if (!digits)
			return false;
		v = v << 8 | n;
		if (part < 3 && *s++ != '.')
			return false;
	}
	if (*s)
		return false;
	if (out)
		out->s_addr = htonl(v);
	return true;
}

static bool label_ok(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

bool valid_dns_name(const char *s)
{
	size_t total = strlen(s);
	if (total == 0 || total > 253)
		return false;
	for (;;) {
		const char *dot = strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);
		if (!label_ok(s, len))
			return false;
		if (!dot)
			return true;
		s = dot + 1;
	}
}

bool valid_node_name(const char *s)
{
	return label_ok(s, strlen(s));
}

bool valid_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	if (!*s || strlen(s) > 20 || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (*s < '0' || *s > '9' || v > (~0ULL - d) / 10)
			return false; /* not a digit, or beyond 2^64-1 */
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return false;
	if (out)
		*out = v;
	return true;
}

bool valid_semver(const char *s)
{
	char part[8];
	for (int i = 0; i < 3; i++) {
		const char *end = i < 2 ? strchr(s, '.') : s + strlen(s);
		if (!end || end == s || (size_t)(end - s) >= sizeof part)
			return false;
		memcpy(part, s, (size_t)(end - s));
		part[end - s] = '\0';
		if (!valid_uint(part, 0, 99999, NULL))
			return false;
		s = i < 2 ? end + 1 : end;
	}
	return true;
}

bool valid_cidr4(const char *s)
{
	char addr[16];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof addr)
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	struct in_addr a;
	unsigned long long prefix;
	if (!valid_ipv4(addr, &a) || !valid_uint(slash + 1, 1, 32, &prefix))
		return false;
	uint32_t mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
	return (ntohl(a.s_addr) & ~mask) == 0;
}

bool valid_abs_path(const char *s, size_t cap)
{
	size_t len = strlen(s);
	if (s[0] != '/' || len >= cap || strstr(s, "/../") || (len >= 3 && !strcmp(s + len - 3, "/..")))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

bool valid_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool valid_hex_decode(const char *s, unsigned char *out, size_t n)
{
	if (!valid_hex(s, 2 * n))
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(hex_digit(s[2 * i]) << 4 | hex_digit(s[2 * i + 1]));
	return true;
}

bool valid_uuid(const char *s)
{
	static const int groups[] = {8, 4, 4, 4, 12};
	for (int g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
				return false;
		if (*s != (g < 4 ? '-' : '\0'))
			return false;
		s++;
	}
	return true;
}
