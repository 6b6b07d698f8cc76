// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm-verifierd: decides which TEE PCI devices may run. See
 * tsm-verifierd(8); the work happens in manager.c and device.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"
#include "manager.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tsm-verifierd [OPTIONS]\n"
		"Verify the evidence of TEE PCI devices and accept or deny them.\n\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -f, --foreground    log to stderr without priority prefixes\n"
		"  -d, --debug         debug logging (implies --foreground)\n"
		"      --once          coldplug, decide every present device, exit\n"
		"  -s, --socket PATH   control socket (default %s)\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n",
		TSM_CONFIG_PATH, VD_SOCKET_PATH);
}

/*
 * libcrypto initialises itself at its first use with its error strings:
 * a table of every library's reason strings, hashed at startup, that costs
 * the daemon 0.5-0.6 MiB of resident memory (docs/performance.md, footprint).
 * The daemon never prints them: its reasons are its own (the verifier
 * maps OpenSSL's outcomes to its own words, X509_verify_cert_error_string
 * is a static table of its own) and it reads error codes, not strings
 * (ERR_GET_LIB/ERR_GET_REASON). The system's openssl.cnf is loaded as
 * before (providers, default properties), here at startup rather than at
 * the first verification.
 */
static int crypto_init(void)
{
	if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
				 NULL)) {
		log_error("OpenSSL: cannot initialise (configuration %s)",
			  getenv("OPENSSL_CONF") ? getenv("OPENSSL_CONF") : "openssl.cnf");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "once", no_argument, NULL, 'O' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct vd_options opts = { .socket_path = VD_SOCKET_PATH };
	struct manager *m = NULL;
	int c, r;

	/*
	 * Worker threads spend their time waiting on netlink, not in malloc:
	 * one arena for all of them (glibc's default is one per thread, up to
	 * 8 per CPU; 2 before) keeps freed evidence buffers in one place
	 * instead of leaving a second arena with its own high-water mark
	 * (0.2 MiB of the footprint with 256 functions, docs/performance.md).
	 */
	mallopt(M_ARENA_MAX, 1);

	while ((c = getopt_long(argc, argv, "c:fds:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'd':
			opts.debug = true;
			/* fall through */
		case 'f':
			opts.foreground = true;
			break;
		case 'O':
			opts.once = true;
			break;
		case 's':
			opts.socket_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tsm-verifierd %s\n", TSM_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	/* Under systemd stderr goes to the journal, which reads "<N>" prefixes. */
	log_setup("tsm-verifierd", !opts.foreground && !isatty(STDERR_FILENO),
		  opts.debug ? LOG_DEBUG : LOG_INFO);
	tsm_nl_set_debug(opts.debug);
	if (crypto_init() < 0)
		return 1;

	r = manager_new(&m, &opts);
	if (r < 0)
		return 1;
	r = manager_run(m);
	manager_free(m);
	return r < 0 ? 1 : 0;
}
