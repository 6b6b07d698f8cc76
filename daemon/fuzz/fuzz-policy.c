// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: policy language. Whatever parses must print, and what
 * prints must parse back to the same text (the generate-policy guarantee);
 * evaluation of a parsed policy must not crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(const struct tsm_policy *pol, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	*rc = tsm_policy_print(f, pol);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tsm_device_id dev = { 0x8086, 0x1234, 0x120000, "0000:01:00.0" };
	struct tsm_policy *pol = tsm_policy_new(NULL), *back;
	struct tsm_decision d;
	struct tsm_error err;
	char *t1, *t2;
	int rc;

	if (!pol)
		return 0;
	if (tsm_policy_parse_buffer(pol, "fuzz.conf", (const char *)data, size, &err)) {
		if (strncmp(err.reason, "fuzz.conf:", 10))
			abort();	/* every error names the file and line */
		tsm_policy_free(pol);
		return 0;
	}
	tsm_policy_evaluate(pol, &dev, NULL, NULL, &d);
	t1 = print(pol, &rc);
	if (!rc) {
		back = tsm_policy_new(NULL);
		if (tsm_policy_parse_buffer(back, "printed.conf", t1, strlen(t1), &err)) {
			fprintf(stderr, "printed policy does not parse: %s\n%s\n", err.reason, t1);
			abort();
		}
		t2 = print(back, &rc);
		if (rc || strcmp(t1, t2)) {
			fprintf(stderr, "round trip differs:\n%s\n---\n%s\n", t1, t2);
			abort();
		}
		free(t2);
		tsm_policy_free(back);
	}
	free(t1);
	tsm_policy_free(pol);
	return 0;
}
