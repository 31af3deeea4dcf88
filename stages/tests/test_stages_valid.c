/* The validators of stages/lib/valid.c: what they accept, and the near misses they refuse. */
#include "t.h"

#include <string.h>

#include "valid.h"

TEST(ipv4_is_a_strict_dotted_quad)
{
	struct in_addr a;
	T_ASSERT(valid_ipv4("10.0.0.12", &a));
	T_ASSERT(!valid_ipv4("10.0.0", &a));
	T_ASSERT(!valid_ipv4("010.0.0.1", &a));
	T_ASSERT(!valid_ipv4("10.0.0.256", &a));
	T_ASSERT(!valid_ipv4("10.0.0.1 ", &a));
}

TEST(hex_is_exact_length_and_lowercase)
{
	T_ASSERT(valid_hex("00ff", 4));
	T_ASSERT(!valid_hex("00ff", 3));
	T_ASSERT(!valid_hex("00FF", 4));
	T_ASSERT(!valid_hex("00fg", 4));
}

TEST(hex_decode_gives_the_bytes)
{
	unsigned char b[4];
	T_ASSERT(valid_hex_decode("00a5ff10", b, sizeof b));
	T_ASSERT(b[0] == 0x00 && b[1] == 0xa5 && b[2] == 0xff && b[3] == 0x10);
}

TEST(hex_decode_refuses_what_valid_hex_refuses)
{
	unsigned char b[2];
	T_ASSERT(!valid_hex_decode("00a5ff", b, sizeof b)); /* too long */
	T_ASSERT(!valid_hex_decode("00a", b, sizeof b));    /* too short */
	T_ASSERT(!valid_hex_decode("0xa5", b, sizeof b));   /* sscanf's %2x took "0x" and signs */
	T_ASSERT(!valid_hex_decode("+1a5", b, sizeof b));
	T_ASSERT(!valid_hex_decode("A5a5", b, sizeof b));
}

int main(void)
{
	T_RUN(ipv4_is_a_strict_dotted_quad);
	T_RUN(hex_is_exact_length_and_lowercase);
	T_RUN(hex_decode_gives_the_bytes);
	T_RUN(hex_decode_refuses_what_valid_hex_refuses);
	return T_END();
}
