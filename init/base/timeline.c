#include "timeline.h"
#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

static struct ek_event events[EK_EVENTS_MAX];
static size_t nevents;
static double complete_ms;
static struct ek_event *open_event;

static const char *const result_names[] = {[EK_OK] = "ok", [EK_SKIPPED] = "skipped", [EK_FAILED] = "failed", [EK_PENDING] = "pending"};

const char *timeline_result_name(enum ek_result r)
{
	return (unsigned)r <= EK_PENDING ? result_names[r] : "?";
}

void timeline_reset(void)
{
	nevents = 0;
	complete_ms = 0;
	open_event = NULL;
}

size_t timeline_begin(const char *step)
{
	/* Past the cap, the last slot is reused: the console line is still printed. */
	size_t idx = nevents < EK_EVENTS_MAX ? nevents++ : EK_EVENTS_MAX - 1;
	struct ek_event *e = &events[idx];
	memset(e, 0, sizeof *e);
	snprintf(e->step, sizeof e->step, "%s", step);
	e->start_ms = ek_sys.now_ms();
	open_event = e;
	return idx;
}

void timeline_end(enum ek_result result, const char *detail)
{
	if (open_event)
		timeline_end_at((size_t)(open_event - events), result, detail);
}

void timeline_end_at(size_t idx, enum ek_result result, const char *detail)
{
	if (idx >= nevents)
		return;
	struct ek_event *e = &events[idx];
	if (open_event == e)
		open_event = NULL;
	e->duration_ms = ek_sys.now_ms() - e->start_ms;
	e->result = result;
	snprintf(e->detail, sizeof e->detail, "%s", detail ? detail : "");
	double at = (e->start_ms + e->duration_ms) / 1000.0;
	switch (result) {
	case EK_OK:
		ek_info("[%8.3f] %s ok (%.0f ms)%s%s", at, e->step, e->duration_ms, e->detail[0] ? ": " : "",
			e->detail);
		break;
	case EK_SKIPPED:
		ek_info("[%8.3f] %s skipped: %s", at, e->step, e->detail);
		break;
	case EK_FAILED:
		ek_info("[%8.3f] %s failed: %s", at, e->step, e->detail);
		break;
	case EK_PENDING:
		break;
	}
}

void timeline_complete(void)
{
	complete_ms = ek_sys.now_ms();
}

double timeline_complete_ms(void)
{
	return complete_ms;
}

size_t timeline_count(void)
{
	return nevents;
}

const struct ek_event *timeline_event(size_t i)
{
	return i < nevents ? &events[i] : NULL;
}

void timeline_json_events(struct strbuf *sb)
{
	sb_putc(sb, '[');
	for (size_t i = 0; i < nevents; i++) {
		const struct ek_event *e = &events[i];
		sb_puts(sb, i ? ",{\"step\":" : "{\"step\":");
		sb_json_str(sb, e->step);
		sb_printf(sb, ",\"start_ms\":%.3f,\"duration_ms\":%.3f,\"result\":\"%s\",\"detail\":", e->start_ms,
			  e->duration_ms, timeline_result_name(e->result));
		sb_json_str(sb, e->detail);
		sb_putc(sb, '}');
	}
	sb_putc(sb, ']');
}

int timeline_write_json(const char *path, const char *boot_id)
{
	return timeline_write_json_with(path, boot_id, "");
}

int timeline_write_json_with(const char *path, const char *boot_id, const char *extra)
{
	static char buf[EK_EVENTS_MAX * (EK_DETAIL_MAX * 6 + 160) + 65536];
	struct strbuf sb;
	char tmp[256];

	sb_init(&sb, buf, sizeof buf);
	sb_puts(&sb, "{\"boot_id\":");
	sb_json_str(&sb, boot_id ? boot_id : "");
	sb_puts(&sb, ",\"events\":");
	timeline_json_events(&sb);
	if (complete_ms > 0)
		sb_printf(&sb, ",\"complete_ms\":%.3f", complete_ms);
	else
		sb_puts(&sb, ",\"complete_ms\":null");
	sb_puts(&sb, extra ? extra : "");
	sb_puts(&sb, "}\n");
	if (sb.truncated)
		return -E2BIG;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, buf, sb.len);
	int err = w == (ssize_t)sb.len ? 0 : (w < 0 ? -errno : -EIO);
	close(fd);
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* Format: events separated by ';', fields by ',': step,start,duration,result,hex(detail). Hex keeps
 * arbitrary detail bytes out of the separators and out of the environment's quoting rules. */
int timeline_serialize(char *out, size_t cap)
{
	struct strbuf sb;
	sb_init(&sb, out, cap);
	for (size_t i = 0; i < nevents; i++) {
		const struct ek_event *e = &events[i];
		sb_printf(&sb, "%s%s,%.3f,%.3f,%d,", i ? ";" : "", e->step, e->start_ms, e->duration_ms,
			  (int)e->result);
		for (const unsigned char *p = (const unsigned char *)e->detail; *p; p++)
			sb_printf(&sb, "%02x", *p);
	}
	return sb.truncated ? -E2BIG : 0;
}

static int restore_one(const char *s, size_t len, struct ek_event *e)
{
	char copy[EK_STEP_NAME_MAX + 96 + EK_DETAIL_MAX * 2];
	char *field[5];
	char *p = copy;

	if (len >= sizeof copy)
		return -EINVAL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	for (int f = 0; f < 5; f++) {
		char *comma = strchr(p, ',');
		field[f] = p;
		if (f < 4) {
			if (!comma)
				return -EINVAL;
			*comma = '\0';
			p = comma + 1;
		} else if (comma) {
			return -EINVAL;
		}
	}
	memset(e, 0, sizeof *e);
	if (field[0][0] == '\0' || strlen(field[0]) >= sizeof e->step)
		return -EINVAL;
	strcpy(e->step, field[0]);
	char *end;
	e->start_ms = strtod(field[1], &end);
	if (end == field[1] || *end)
		return -EINVAL;
	e->duration_ms = strtod(field[2], &end);
	if (end == field[2] || *end)
		return -EINVAL;
	long r = strtol(field[3], &end, 10);
	if (end == field[3] || *end || r < EK_OK || r > EK_FAILED)
		return -EINVAL;
	e->result = (enum ek_result)r;
	size_t hl = strlen(field[4]);
	if (hl % 2 || hl / 2 >= sizeof e->detail)
		return -EINVAL;
	for (size_t i = 0; i < hl / 2; i++) {
		int hi = hex_digit_value(field[4][2 * i]), lo = hex_digit_value(field[4][2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -EINVAL;
		e->detail[i] = (char)(hi * 16 + lo);
	}
	return 0;
}

int timeline_restore(const char *in)
{
	const char *p = in;
	while (*p) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		if (nevents == EK_EVENTS_MAX)
			return -E2BIG;
		if (restore_one(p, len, &events[nevents]) < 0)
			return -EINVAL;
		nevents++;
		if (!semi)
			break;
		p = semi + 1;
	}
	return 0;
}
