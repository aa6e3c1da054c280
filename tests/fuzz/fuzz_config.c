/*
 * fuzz_config: libFuzzer target for config_load_buffer() (config.h).
 *
 * Any bytes are a config file. Besides the sanitizers, it checks the
 * contract in config.h: config_print() output "loads again to the same
 * configuration", so print(load(print(cfg))) must equal print(cfg). A
 * mismatch or a printed config that no longer loads aborts, with both texts
 * on stderr.
 *
 * libconfuse keeps lexer state in globals: one input at a time, which is
 * how libFuzzer runs a target (no -fork/-jobs on one process).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static FILE *sink;		/* error messages: formatted, then dropped */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	return 0;
}

static char *
print_config(const struct vipd_config *cfg, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	config_print(cfg, f);
	if (fclose(f) != 0)
		abort();
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vipd_config *cfg, *again = NULL;
	char *first = NULL, *second = NULL;
	size_t flen, slen;

	cfg = config_load_buffer((const char *)data, size, "fuzz.conf", sink);
	if (!cfg)
		return 0;
	first = print_config(cfg, &flen);
	again = config_load_buffer(first, flen, "printed.conf", sink);
	if (!again) {
		fprintf(stderr, "fuzz_config: printed config does not load:\n"
		    "%s\n--- errors:\n", first);
		config_free(config_load_buffer(first, flen, "printed.conf",
		    stderr));
		abort();
	}
	second = print_config(again, &slen);
	if (flen != slen || memcmp(first, second, flen) != 0) {
		fprintf(stderr, "fuzz_config: print/load/print differs:\n"
		    "%s\n--- reprinted:\n%s\n", first, second);
		abort();
	}
	free(second);
	free(first);
	config_free(again);
	config_free(cfg);
	return 0;
}
