/* strbuf: fixed buffers that truncate, flag it, and stay terminated; JSON strings always valid. */
#include "t.h"
#include "strbuf.h"

TEST(test_puts_and_printf_fit)
{
	char buf[32];
	struct strbuf sb;
	sb_init(&sb, buf, sizeof buf);
	T_EQ_STR(buf, "");
	sb_puts(&sb, "abc");
	sb_putc(&sb, '-');
	sb_printf(&sb, "%d/%s", 42, "x");
	T_EQ_STR(buf, "abc-42/x");
	T_EQ_INT(sb.len, 8);
	T_ASSERT(!sb.truncated);
}

TEST(test_puts_truncates)
{
	char buf[8];
	struct strbuf sb;
	memset(buf, 'Z', sizeof buf);
	sb_init(&sb, buf, sizeof buf);
	sb_puts(&sb, "1234567"); /* exactly fits */
	T_ASSERT(!sb.truncated);
	T_EQ_STR(buf, "1234567");
	sb_puts(&sb, "8");
	T_ASSERT(sb.truncated);
	T_EQ_STR(buf, "1234567");
	T_EQ_INT(sb.len, 7);
	sb_putc(&sb, 'x');
	T_EQ_STR(buf, "1234567");
	T_EQ_INT(sb.len, 7);
}

TEST(test_printf_truncates)
{
	char buf[10];
	struct strbuf sb;
	sb_init(&sb, buf, sizeof buf);
	sb_puts(&sb, "ab");
	sb_printf(&sb, "%s", "0123456789");
	T_ASSERT(sb.truncated);
	T_EQ_INT(sb.len, 9);
	T_EQ_STR(buf, "ab0123456");
	sb_printf(&sb, "more");
	T_EQ_STR(buf, "ab0123456");
	T_EQ_INT(sb.len, 9);
	/* Truncation sticks even if later text fits nowhere. */
	T_ASSERT(sb.truncated);
}

TEST(test_zero_capacity)
{
	char buf[1] = {'Q'};
	struct strbuf sb;
	sb_init(&sb, buf, 0);
	sb_puts(&sb, "x");
	T_ASSERT(sb.truncated);
	sb_printf(&sb, "%d", 1);
	T_EQ_INT(sb.len, 0);
	T_EQ_INT(buf[0], 'Q'); /* nothing written */
}

TEST(test_json_str_escapes)
{
	char buf[256];
	struct strbuf sb;
	sb_init(&sb, buf, sizeof buf);
	sb_json_str(&sb, "q\" b\\ n\n t\t r\r e\x1b del\x7f hi\xc3\xa9 ff\xff");
	T_EQ_STR(buf, "\"q\\\" b\\\\ n\\n t\\t r\\u000d e\\u001b del\\u007f hi\\u00c3\\u00a9 ff\\u00ff\"");
	sb_init(&sb, buf, sizeof buf);
	sb_json_str(&sb, "");
	T_EQ_STR(buf, "\"\"");
	sb_init(&sb, buf, sizeof buf);
	sb_json_str(&sb, "/ plain <ok>");
	T_EQ_STR(buf, "\"/ plain <ok>\"");
}

TEST(test_json_str_truncated_flagged)
{
	char buf[8];
	struct strbuf sb;
	sb_init(&sb, buf, sizeof buf);
	sb_json_str(&sb, "\xff\xff");
	T_ASSERT(sb.truncated);
	T_EQ_INT(strlen(buf), 7);
	T_EQ_INT(sb.len, 7);
}

int main(void)
{
	T_RUN(test_puts_and_printf_fit);
	T_RUN(test_puts_truncates);
	T_RUN(test_printf_truncates);
	T_RUN(test_zero_capacity);
	T_RUN(test_json_str_escapes);
	T_RUN(test_json_str_truncated_flagged);
	return T_END();
}
