/* One hex digit's value, or -1. Used wherever we decode hex (the re-exec hand-over, MAC addresses,
 * C escapes in unit files). */
#ifndef EK_HEX_H
#define EK_HEX_H

static inline int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
