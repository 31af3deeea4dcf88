/* The control protocol parser: everything from the socket is validated here before PID 1 acts. */
#include <errno.h>

#include "t.h"
#include "proto.h"

static struct ek_request req;
static char err[160];

static int parse(const char *s)
{
	return proto_parse_request(s, strlen(s), &req, err, sizeof err);
}

TEST(test_parse_good)
{
	T_EQ_INT(parse("status"), 0);
	T_EQ_INT(req.verb, EK_VERB_STATUS);
	T_EQ_INT(req.argc, 0);
	T_EQ_INT(parse("status --json"), 0);
	T_EQ_INT(req.verb, EK_VERB_STATUS);
	T_EQ_INT(req.argc, 1);
	T_EQ_STR(req.argv[0], "--json");
	T_EQ_INT(parse("reboot"), 0);
	T_EQ_INT(req.verb, EK_VERB_REBOOT);
	T_EQ_INT(parse("poweroff"), 0);
	T_EQ_INT(req.verb, EK_VERB_POWEROFF);
	T_EQ_INT(parse("halt"), 0);
	T_EQ_INT(req.verb, EK_VERB_HALT);
	T_EQ_INT(parse("status a b c kubelet@x.service:/p=1+2,3"), 0);
	T_EQ_INT(req.argc, 4);
	T_EQ_STR(req.argv[3], "kubelet@x.service:/p=1+2,3");
	/* Only len bytes count: what follows is not read. */
	T_EQ_INT(proto_parse_request("status;rm", 6, &req, err, sizeof err), 0);
	T_EQ_STR(proto_verb_name(EK_VERB_POWEROFF), "poweroff");
	T_EQ_STR(proto_verb_name((enum ek_verb)42), "?");
}

TEST(test_parse_bad)
{
	T_EQ_INT(parse(""), -EINVAL);
	T_CONTAINS(err, "empty request");
	T_EQ_INT(parse("frobnicate"), -EINVAL);
	T_EQ_STR(err, "unknown verb 'frobnicate'");
	T_EQ_INT(parse("STATUS"), -EINVAL);
	T_EQ_INT(parse("status  --json"), -EINVAL);
	T_CONTAINS(err, "empty word");
	T_EQ_INT(parse("status "), -EINVAL);
	T_CONTAINS(err, "empty word");
	T_EQ_INT(parse(" status"), -EINVAL);
	T_EQ_INT(parse("status;reboot"), -EINVAL);
	T_CONTAINS(err, "outside");
	T_EQ_INT(parse("status\n"), -EINVAL);
	T_EQ_INT(parse("status\t--json"), -EINVAL);
	T_EQ_INT(parse("status \xc3\xa9"), -EINVAL);
	T_EQ_INT(parse("status $(id)"), -EINVAL);
	T_EQ_INT(proto_parse_request("status\0reboot", 13, &req, err, sizeof err), -EINVAL);
	T_EQ_INT(proto_parse_request("status \0", 8, &req, err, sizeof err), -EINVAL);
	T_EQ_INT(parse("status a b c d e"), -EINVAL);
	T_CONTAINS(err, "too many arguments");
}

TEST(test_parse_lengths)
{
	static char msg[EK_REQUEST_MAX + 16];
	strcpy(msg, "status ");
	memset(msg + 7, 'a', EK_ARG_MAX - 1);
	msg[7 + EK_ARG_MAX - 1] = '\0';
	T_EQ_INT(parse(msg), 0);
	T_EQ_INT(strlen(req.argv[0]), EK_ARG_MAX - 1);
	msg[7 + EK_ARG_MAX - 1] = 'a';
	msg[7 + EK_ARG_MAX] = '\0';
	T_EQ_INT(parse(msg), -EINVAL);
	T_CONTAINS(err, "word too long");
	/* Over the request limit, whatever it holds. */
	memset(msg, 'a', sizeof msg);
	memcpy(msg, "status ", 7);
	T_EQ_INT(proto_parse_request(msg, EK_REQUEST_MAX + 1, &req, err, sizeof err), -EINVAL);
	T_CONTAINS(err, "too long");
	/* A tiny error buffer still gets a terminated (cut) reason. */
	char small[6];
	T_EQ_INT(proto_parse_request("nope", 4, &req, small, sizeof small), -EINVAL);
	T_EQ_STR(small, "unkno");
}

TEST(test_format_good)
{
	char out[EK_REQUEST_MAX + 1];
	char *json[] = {"--json"};
	T_EQ_INT(proto_format_request(out, sizeof out, "status", 1, json), 13);
	T_EQ_STR(out, "status --json");
	T_EQ_INT(proto_format_request(out, sizeof out, "reboot", 0, NULL), 6);
	T_EQ_STR(out, "reboot");
	/* Whatever format makes, parse takes back unchanged. */
	T_EQ_INT(proto_parse_request(out, 6, &req, err, sizeof err), 0);
	T_EQ_INT(req.verb, EK_VERB_REBOOT);
}

TEST(test_format_refuses_what_parse_refuses)
{
	char out[EK_REQUEST_MAX + 1];
	char *empty[] = {""};
	char *bad[] = {"a;b"};
	char *five[] = {"a", "b", "c", "d", "e"};
	static char longarg[EK_ARG_MAX + 1];
	char *lng[] = {longarg};
	memset(longarg, 'x', EK_ARG_MAX);
	T_EQ_INT(proto_format_request(out, sizeof out, "frob", 0, NULL), -EINVAL);
	T_EQ_INT(proto_format_request(out, sizeof out, "status", 1, empty), -EINVAL);
	T_EQ_INT(proto_format_request(out, sizeof out, "status", 1, bad), -EINVAL);
	T_EQ_INT(proto_format_request(out, sizeof out, "status", 5, five), -EINVAL);
	T_EQ_INT(proto_format_request(out, sizeof out, "status", 1, lng), -EINVAL);
	T_EQ_INT(proto_format_request(out, 8, "status", 1, lng), -ENAMETOOLONG);
	T_EQ_INT(proto_format_request(out, 4, "status", 0, NULL), -ENAMETOOLONG);
}

/* An argument is one word: one holding a space would arrive as two arguments, so format must refuse
 * it (it checks the joined text, which parses fine as a different request). */
TEST(test_format_keeps_argument_boundaries)
{
	char out[EK_REQUEST_MAX + 1];
	char *spaced[] = {"--json reboot"};
	int r = proto_format_request(out, sizeof out, "status", 1, spaced);
	if (r >= 0)
		T_FAIL("accepted one argument \"%s\" as the request \"%s\"", spaced[0], out);
}

int main(void)
{
	T_RUN(test_parse_good);
	T_RUN(test_parse_bad);
	T_RUN(test_parse_lengths);
	T_RUN(test_format_good);
	T_RUN(test_format_refuses_what_parse_refuses);
	T_RUN(test_format_keeps_argument_boundaries);
	return T_END();
}
