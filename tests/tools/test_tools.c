// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the fixture tools (run by `make -C tests/tools check` under
 * ASan+UBSan).
 *
 *   test-tools --bin-dir DIR --work DIR [--captures DIR]
 *
 * --captures (or $SPDM_CAPTURE_DIR) names a directory of libspdm captures
 * (one subdirectory per algorithm with vca.bin, measurements_object.bin,
 * cert_chain_slot0.bin, requester_nonce.hex, anchor.pem). Without it the
 * capture check is reported NOT RUN.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "fixture_gen.h"
#include "pki.h"
#include "report_build.h"
#include "responder_core.h"
#include "selfcheck.h"
#include "spdm_build.h"
#include "spdm_check.h"

/* snprintf whose result is checked (keeps -Wformat-truncation quiet) */
#define FMT(buf, ...) ((void)(snprintf(buf, sizeof(buf), __VA_ARGS__) < 0))

static int failures, passes;
static const char *bin_dir = ".", *work = "/tmp/pci-tsm-tools-test";

static void result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s", ok ? "PASS" : "FAIL", name);
	if (!ok && fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	if (ok)
		passes++;
	else
		failures++;
}

static char *pth(const char *a, const char *b)
{
	static char bufs[8][4200];
	static int i;
	char *p = bufs[i++ & 7];

	snprintf(p, sizeof(bufs[0]), "%s/%s", a, b);
	return p;
}

struct evidence {
	uint8_t *chain, *vca, *meas;
	size_t chain_len, vca_len, meas_len;
	uint8_t nonce[SPDM_NONCE_LEN];
	X509 *anchor;
};

static void evidence_free(struct evidence *e)
{
	free(e->chain);
	free(e->vca);
	free(e->meas);
	X509_free(e->anchor);
	memset(e, 0, sizeof(*e));
}

static int read_hex_file(const char *path, uint8_t *out, size_t want)
{
	uint8_t *d;
	size_t len, n;
	char tmp[256];
	int rc = -1;

	if (file_read(path, &d, &len))
		return -1;
	if (len < sizeof(tmp)) {
		memcpy(tmp, d, len);
		tmp[len] = '\0';
		rc = hex_decode(tmp, out, want, &n) || n != want ? -1 : 0;
	}
	free(d);
	return rc;
}

static int evidence_load(struct evidence *e, const char *dir, const char *chain,
			 const char *vca, const char *meas, const char *nonce,
			 const char *anchor)
{
	memset(e, 0, sizeof(*e));
	e->anchor = cert_load_pem(pth(dir, anchor));
	if (!e->anchor || file_read(pth(dir, chain), &e->chain, &e->chain_len) ||
	    file_read(pth(dir, vca), &e->vca, &e->vca_len) ||
	    file_read(pth(dir, meas), &e->meas, &e->meas_len) ||
	    read_hex_file(pth(dir, nonce), e->nonce, SPDM_NONCE_LEN)) {
		evidence_free(e);
		return -1;
	}
	return 0;
}

static enum check_code run_check(const struct evidence *e, const uint8_t *nonce,
				 struct check_result *res)
{
	struct check_input in = {
		.chain = e->chain, .chain_len = e->chain_len,
		.vca = e->vca, .vca_len = e->vca_len,
		.meas = e->meas, .meas_len = e->meas_len,
		.anchor = e->anchor, .nonce = nonce, .time_check = true,
	};

	return spdm_check(&in, res);
}

/*
 * Flip each byte of VCA, request, response and signature, and of the
 * expected nonce: every single change must be rejected.
 */
static void mutation_test(const char *name, struct evidence *e)
{
	struct check_result res;
	size_t accepted = 0, tried = 0;
	char where[128] = "";
	uint8_t nonce[SPDM_NONCE_LEN];

	for (size_t i = 0; i < e->vca_len; i++, tried++) {
		e->vca[i] ^= 0x01;
		if (run_check(e, e->nonce, &res) == CHECK_OK && !accepted++)
			FMT(where, "vca byte %zu", i);
		e->vca[i] ^= 0x01;
	}
	for (size_t i = 0; i < e->meas_len; i++, tried++) {
		e->meas[i] ^= 0x01;
		if (run_check(e, e->nonce, &res) == CHECK_OK && !accepted++)
			FMT(where, "measurements byte %zu", i);
		e->meas[i] ^= 0x01;
	}
	for (size_t i = 0; i < SPDM_NONCE_LEN; i++, tried++) {
		memcpy(nonce, e->nonce, sizeof(nonce));
		nonce[i] ^= 0x01;
		if (run_check(e, nonce, &res) == CHECK_OK && !accepted++)
			FMT(where, "nonce byte %zu", i);
	}
	/* every truncation of the chain and of MEASUREMENTS (ASan watches reads) */
	for (size_t cut = 0; cut < e->meas_len; cut++, tried++) {
		uint8_t *keep = e->meas, *copy = malloc(cut ? cut : 1);
		size_t keep_len = e->meas_len;

		memcpy(copy, keep, cut);	/* exact size: ASan sees overreads */
		e->meas = copy;
		e->meas_len = cut;
		if (run_check(e, e->nonce, &res) == CHECK_OK && !accepted++)
			snprintf(where, sizeof(where), "measurements cut to %zu", cut);
		e->meas = keep;
		e->meas_len = keep_len;
		free(copy);
	}
	for (size_t cut = 0; cut < e->chain_len; cut += 7, tried++) {
		uint8_t *keep = e->chain, *copy = malloc(cut ? cut : 1);
		size_t keep_len = e->chain_len;

		memcpy(copy, keep, cut);
		e->chain = copy;
		e->chain_len = cut;
		if (run_check(e, e->nonce, &res) == CHECK_OK && !accepted++)
			snprintf(where, sizeof(where), "chain cut to %zu", cut);
		e->chain = keep;
		e->chain_len = keep_len;
		free(copy);
	}
	result(!accepted, name, "%zu of %zu single-byte changes or truncations accepted (first: %s)",
	       accepted, tried, where);
}

/* ---- generated fixtures --------------------------------------------------- */

static void test_manifest(const char *fx)
{
	int n, bad = selfcheck_manifest(fx, stdout, &n);

	result(bad == 0 && n == 4 * 24, "manifest: every case gets its verdict",
	       "%d mismatches over %d cases", bad, n);
}

static void test_chain_header(const char *fx, const struct spdm_alg *alg)
{
	char dir[4200], name[128];
	uint8_t *c = NULL, h[EVP_MAX_MD_SIZE];
	size_t len, hl;
	const char *pems[] = { "root.pem", "intermediate.pem", "leaf.pem" };
	size_t off;
	bool ok;

	FMT(name, "%s: chain header and certificates", alg->name);
	FMT(dir, "%s/%s", fx, alg->name);
	if (file_read(pth(dir, "good/cert0.bin"), &c, &len)) {
		result(false, name, "cannot read cert0.bin");
		return;
	}
	ok = len > 4 + alg->hash_len && (size_t)(c[0] | c[1] << 8) == len && !c[2] && !c[3];
	off = 4 + alg->hash_len;
	for (int i = 0; ok && i < 3; i++) {
		X509 *x = cert_load_pem(pth(dir, pems[i]));
		unsigned char *der = NULL;
		int dl = x ? i2d_X509(x, &der) : -1;

		ok = dl > 0 && off + (size_t)dl <= len && !memcmp(c + off, der, (size_t)dl);
		if (ok && i == 0)
			ok = !digest(alg->md, der, (size_t)dl, h, &hl) &&
			     hl == alg->hash_len && !memcmp(c + 4, h, hl);
		off += dl > 0 ? (size_t)dl : 0;
		OPENSSL_free(der);
		X509_free(x);
	}
	result(ok && off == len, name, "length/reserved/root hash/DER order wrong");
	free(c);
}

static bool has_eku(X509 *x, const char *oid)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	ASN1_OBJECT *want = OBJ_txt2obj(oid, 1);
	bool found = false;

	for (int i = 0; eku && want && i < sk_ASN1_OBJECT_num(eku); i++)
		if (!OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want))
			found = true;
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_OBJECT_free(want);
	return found;
}

static bool has_hwid(X509 *x, const char *want)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	ASN1_OBJECT *oid = OBJ_txt2obj(OID_DMTF_DEVICE_INFO, 1);
	bool found = false;

	for (int i = 0; gens && oid && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		ASN1_OBJECT *type;
		ASN1_TYPE *val;

		if (!GENERAL_NAME_get0_otherName(g, &type, &val) || OBJ_cmp(type, oid) ||
		    val->type != V_ASN1_UTF8STRING)
			continue;
		found = (size_t)ASN1_STRING_length(val->value.utf8string) == strlen(want) &&
			!memcmp(ASN1_STRING_get0_data(val->value.utf8string), want,
				strlen(want));
	}
	GENERAL_NAMES_free(gens);
	ASN1_OBJECT_free(oid);
	return found;
}

static void test_leaf_profile(const char *fx, const struct spdm_alg *alg)
{
	char dir[4200], name[128];
	ASN1_OBJECT *spdm_ext = OBJ_txt2obj(OID_DMTF_SPDM_EXTENSION, 1);
	X509 *leaf, *noku;
	bool ok;

	FMT(name, "%s: leaf carries the SPDM profile", alg->name);
	FMT(dir, "%s/%s", fx, alg->name);
	leaf = cert_load_pem(pth(dir, "good/leaf.pem"));
	noku = cert_load_pem(pth(dir, "missing-digital-signature/leaf.pem"));
	ok = leaf && noku &&
	     (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) &&
	     !(X509_get_key_usage(noku) & KU_DIGITAL_SIGNATURE) &&
	     has_eku(leaf, OID_DMTF_EKU_RESPONDER_AUTH) &&
	     has_hwid(leaf, "ACME:WIDGET:0001") &&
	     spdm_ext && X509_get_ext_by_OBJ(leaf, spdm_ext, -1) >= 0 &&
	     !(X509_get_extension_flags(leaf) & EXFLAG_CA);
	result(ok, name, "keyUsage/EKU/hardware-identity SAN/SPDM extension missing");
	X509_free(leaf);
	X509_free(noku);
	ASN1_OBJECT_free(spdm_ext);
}

static void test_vca_shape(const char *fx, const struct spdm_alg *alg)
{
	char name[128], dir[4200];
	uint8_t *v = NULL;
	size_t len;
	bool ok;

	FMT(name, "%s: VCA shape (152 bytes, 1.2, selection)",
		 alg->name);
	FMT(dir, "%s/%s", fx, alg->name);
	if (file_read(pth(dir, "vca.bin"), &v, &len)) {
		result(false, name, "cannot read");
		return;
	}
	ok = len == 152 && v[0] == 0x10 && v[1] == 0x84 && v[5] == 0x04 &&
	     v[10] == 0x00 && v[11] == 0x12 && v[12] == 0x12 && v[13] == 0xe1 &&
	     v[33] == 0x61 && v[53] == 0xe3 && v[101] == 0x63 &&
	     spdm_alg_from_vca(v, len) == alg;
	result(ok, name, "unexpected bytes");
	free(v);
}

static void test_measurements_shape(const char *fx, const struct spdm_alg *alg)
{
	char name[128], dir[4200];
	uint8_t *m = NULL, nonce[SPDM_NONCE_LEN];
	size_t len, rec;
	bool ok;

	FMT(name, "%s: MEASUREMENTS request/response fields",
		 alg->name);
	FMT(dir, "%s/%s/good", fx, alg->name);
	if (file_read(pth(dir, "measurements.bin"), &m, &len) ||
	    read_hex_file(pth(dir, "nonce.hex"), nonce, sizeof(nonce))) {
		result(false, name, "cannot read");
		free(m);
		return;
	}
	rec = len > 45 ? (size_t)(m[42] | m[43] << 8 | m[44] << 16) : 0;
	/* 4 digest blocks + SVN block */
	ok = len > 45 && m[0] == 0x12 && m[1] == 0xe0 && m[2] == 0x01 && m[3] == 0xff &&
	     !memcmp(m + 4, nonce, 32) && m[36] == 0 && m[37] == 0x12 && m[38] == 0x60 &&
	     m[41] == 5 && rec == 4 * (7 + alg->hash_len) + 7 + 8 &&
	     len == 37 + 8 + rec + 32 + 2 + alg->sig_len &&
	     m[45] == 1 && m[46] == 1 && m[49] == 0x00;
	result(ok, name, "unexpected bytes");
	free(m);
}

static void test_mutations(const char *fx, const struct spdm_alg *alg)
{
	struct evidence e;
	char name[128], dir[4200];

	FMT(name, "%s: any changed VCA/request/response/signature/nonce byte is rejected",
		 alg->name);
	FMT(dir, "%s/%s/good", fx, alg->name);
	if (evidence_load(&e, dir, "cert0.bin", "vca.bin", "measurements.bin",
			  "nonce.hex", "anchor.pem")) {
		result(false, name, "cannot load");
		return;
	}
	mutation_test(name, &e);
	evidence_free(&e);
}

/* Options: fixed nonce, measurement override, --not-after in the past. */
static void test_options(void)
{
	struct gen_opts o = { .algs = 1u << SPDM_ALG_P256, .svn = 9,
			      .hwid = "OTHER:HWID:7", .no_big = true,
			      .not_after = "20220101000000Z" };
	char out[4200], msg[512], p[4300];
	uint8_t *d = NULL;
	size_t len;
	int n, bad;
	bool ok;
	const char *hex = "000102030405060708090a0b0c0d0e0f"
			  "101112131415161718191a1b1c1d1e1f";

	FMT(out, "%s/opts", work);
	o.out = out;
	hex_decode(hex, o.nonce, sizeof(o.nonce), &len);
	o.have_nonce = true;
	o.meas_args[o.n_meas_args++] =
		"3=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
	o.meas_args[o.n_meas_args++] = "7=@firmware 7";
	if (fixture_gen(&o, msg, sizeof(msg))) {
		result(false, "gen options", "%s", msg);
		return;
	}
	bad = selfcheck_manifest(out, NULL, &n);
	FMT(p, "%s/manifest.txt", out);
	ok = !file_read(p, &d, &len) &&
	     strstr((char *)d, "case p256/good deny chain chain.expired time-check");
	free(d);
	d = NULL;
	FMT(p, "%s/p256/good/reference.txt", out);
	ok = ok && !file_read(p, &d, &len) &&
	     strstr((char *)d, "3=ffeeddccbbaa99887766554433221100") &&
	     strstr((char *)d, "7=") && strstr((char *)d, "svn-min=9");
	free(d);
	d = NULL;
	FMT(p, "%s/nonce.hex", out);
	ok = ok && !file_read(p, &d, &len) && !strncmp((char *)d, hex, 64);
	free(d);
	result(ok && !bad && n == 24, "gen options: --nonce, --measurement, --svn, --not-after, --hwid",
	       "bad=%d n=%d", bad, n);
	/* a wrong-size digest is refused */
	o.meas_args[0] = "3=00";
	result(fixture_gen(&o, msg, sizeof(msg)) != 0, "gen refuses a wrong-size digest", NULL);
}

/* ---- responder ------------------------------------------------------------ */

static void resp_case(const char *name, const char *fx, struct responder *r,
		      enum check_code want)
{
	struct devsec_responder_req req = { .id = 42 };
	struct devsec_responder_resp h;
	struct buf out = { 0 };
	struct evidence e;
	struct check_result res;
	char dir[4200];

	FMT(dir, "%s/p384/good", fx);
	for (int i = 0; i < 32; i++)
		req.nonce[i] = (uint8_t)(0xa0 + i);
	snprintf(req.dev_name, sizeof(req.dev_name), "0000:01:00.0");
	if (evidence_load(&e, dir, "cert0.bin", "vca.bin", "measurements.bin",
			  "nonce.hex", "anchor.pem") ||
	    responder_answer(r, &req, &out) || out.len < sizeof(h)) {
		result(false, name, "cannot build");
		goto out;
	}
	memcpy(&h, out.p, sizeof(h));
	free(e.meas);
	e.meas_len = out.len - sizeof(h);
	e.meas = malloc(e.meas_len);
	memcpy(e.meas, out.p + sizeof(h), e.meas_len);
	run_check(&e, req.nonce, &res);
	result(h.id == 42 && h.status == 0 && h.len == e.meas_len && !h.reserved &&
	       res.code == want, name, "id %u status %d len %u: %s %s", h.id,
	       h.status, h.len, check_code_name(res.code), res.detail);
out:
	evidence_free(&e);
	buf_free(&out);
}

static void test_responder(const char *fx)
{
	struct responder r = { 0 };
	struct devsec_responder_req req = { .id = 7 };
	struct devsec_responder_resp h;
	struct buf out = { 0 };
	char msg[512], dir[4200];

	FMT(dir, "%s/p384/good", fx);
	if (responder_load(&r, dir, NULL, NULL, NULL, msg, sizeof(msg))) {
		result(false, "responder: load fixture", "%s", msg);
		return;
	}
	resp_case("responder: answer over the requested nonce verifies", fx, &r,
		  CHECK_OK);
	r.sign_wrong_nonce = true;
	resp_case("responder: --sign-wrong-nonce fails the signature", fx, &r,
		  CHECK_SIGNATURE);
	r.sign_wrong_nonce = false;
	r.echo_wrong_nonce = true;
	resp_case("responder: --echo-wrong-nonce fails the nonce", fx, &r, CHECK_NONCE);
	r.echo_wrong_nonce = false;
	r.refuse = 1;
	result(!responder_answer(&r, &req, &out) && out.len == sizeof(h) &&
	       (memcpy(&h, out.p, sizeof(h)), h.status == -1 && h.len == 0 && h.id == 7),
	       "responder: --refuse answers -errno without an object", NULL);
	buf_free(&out);
	responder_free(&r);
}

/* The real binary over a SOCK_SEQPACKET pair (message boundaries like the misc device). */
static void test_responder_binary(const char *fx)
{
	struct devsec_responder_req req = { .id = 1234 };
	struct devsec_responder_resp h;
	struct evidence e;
	struct check_result res;
	uint8_t buf[70000];
	char exe[4200], dir[4200];
	ssize_t n;
	int sv[2], status;
	pid_t pid;

	FMT(exe, "%s/devsec-responder", bin_dir);
	FMT(dir, "%s/p256/good", fx);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		result(false, "responder binary: socketpair", "%s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int fd = fcntl(sv[1], F_DUPFD, 10);

		close(sv[0]);
		close(sv[1]);
		dup2(fd, 3);
		close(fd);
		execl(exe, exe, "--fd", "3", "--fixture", dir, "--count", "1", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	for (int i = 0; i < 32; i++)
		req.nonce[i] = (uint8_t)i;
	n = -1;
	if (pid > 0 && write(sv[0], &req, sizeof(req)) == sizeof(req))
		n = read(sv[0], buf, sizeof(buf));
	close(sv[0]);
	status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (n < (ssize_t)sizeof(h) ||
	    evidence_load(&e, dir, "cert0.bin", "vca.bin", "measurements.bin",
			  "nonce.hex", "anchor.pem")) {
		result(false, "responder binary: one request over --fd", "read %zd", n);
		return;
	}
	memcpy(&h, buf, sizeof(h));
	free(e.meas);
	e.meas_len = (size_t)n - sizeof(h);
	e.meas = malloc(e.meas_len);
	memcpy(e.meas, buf + sizeof(h), e.meas_len);
	run_check(&e, req.nonce, &res);
	result(h.id == 1234 && h.len == e.meas_len && res.code == CHECK_OK &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "responder binary: one request over --fd, answer verifies",
	       "%s %s status %d", check_code_name(res.code), res.detail, status);
	evidence_free(&e);
}

/* spdm-fixture measure / verify on the command line */
static void test_cli(const char *fx)
{
	char dir[4200], cmd[40000], exe[4200];
	const char *nonce = "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5";

	FMT(exe, "%s/spdm-fixture", bin_dir);
	FMT(dir, "%s/p256/good", fx);
	FMT(cmd, "%s measure --key %s/leaf.key --vca %s/vca.bin --values %s/values.txt "
	    "--nonce %s --out %s/m.bin && %s verify --anchor %s/anchor.pem "
	    "--chain %s/cert0.bin --vca %s/vca.bin --measurements %s/m.bin --nonce %s "
	    "--reference %s/reference.txt >/dev/null",
	    exe, dir, dir, dir, nonce, work, exe, dir, dir, dir, work, nonce, dir);
	result(system(cmd) == 0, "spdm-fixture measure + verify: fresh object over a given nonce",
	       NULL);
	FMT(cmd, "%s verify --anchor %s/anchor.pem --chain %s/cert0.bin --vca %s/vca.bin "
	    "--measurements %s/m.bin --nonce %.63s0 >/dev/null",
	    exe, dir, dir, dir, work, nonce);
	result(WEXITSTATUS(system(cmd)) == 1, "spdm-fixture verify: wrong nonce exits 1", NULL);
}

/* ---- report --------------------------------------------------------------- */

static void test_report(void)
{
	static struct report rep;
	uint8_t out[256], *d = NULL;
	size_t len;
	char exe[4200], path[4200], cmd[20000];
	static const uint8_t want[] = {
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x00, 0xe0, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x10, 0xe0, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};

	rep.interface_info = REPORT_II_NO_FW_UPDATE;
	rep.nranges = 2;
	rep.r[0] = (struct report_range){ 0xfe000, 16, 0, 0 };
	rep.r[1] = (struct report_range){ 0xfe010, 1, REPORT_RA_MSIX_TABLE, 0 };
	len = report_write(&rep, out);
	result(len == sizeof(want) && len == report_size(&rep) &&
	       !memcmp(out, want, len), "report: byte layout", NULL);

	FMT(exe, "%s/report-gen", bin_dir);
	FMT(path, "%s/report.bin", work);
	snprintf(cmd, sizeof(cmd),
		 "%s --out %s --interface-info no-fw-update "
		 "--range 0:0xfe000000:0x10000 --range 0:0xfe010000:0x1000:msix-table",
		 exe, path);
	result(system(cmd) == 0 && !file_read(path, &d, &len) &&
	       len == sizeof(want) && !memcmp(d, want, len),
	       "report-gen: command line writes the same bytes", NULL);
	free(d);
	FMT(cmd, "%s --out %s --range 0:0xfe000001:0x1000 2>/dev/null",
		 exe, path);
	result(system(cmd) != 0, "report-gen: refuses an unaligned range", NULL);

	/* --bars: one range per memory BAR of a sysfs resource file */
	{
		static const char res[] =
			"0x00000000fe000000 0x00000000fe00ffff 0x0000000000040200\n"
			"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			"0x000000000000e000 0x000000000000e01f 0x0000000000040101\n"
			"0x00000000fd000000 0x00000000fd003fff 0x0000000000140204\n";
		char rp[4300];
		bool ok;

		FMT(rp, "%s/resource", work);
		FMT(cmd, "%s --out %s --bars %s --offset-pages 2 --count-delta -1", exe,
		    path, rp);
		ok = !file_write(rp, res, strlen(res)) && system(cmd) == 0 &&
		     !file_read(path, &d, &len) && len == 16 + 2 * 16 + 4 &&
		     d[12] == 1 &&				/* count 2 - 1 */
		     d[16] == 0x02 && d[17] == 0xe0 && d[18] == 0x0f &&	/* 0xfe000 + 2 */
		     d[24] == 16 && d[30] == 0 &&			/* 16 pages, BAR 0 */
		     d[32] == 0x02 && d[33] == 0xd0 && d[34] == 0x0f &&
		     d[40] == 4 && d[46] == 3;			/* 4 pages, BAR 3 */
		free(d);
		result(ok, "report-gen: --bars, --offset-pages, --count-delta", NULL);
	}
}

/* ---- libspdm captures ------------------------------------------------------ */

/* Verify with the builder's M' and the leaf key of the capture's chain. */
static bool builder_mprime_verifies(const struct evidence *e, char *why, size_t wsz)
{
	const struct spdm_alg *alg = spdm_alg_from_vca(e->vca, e->vca_len);
	const unsigned char *p, *end;
	X509 *leaf = NULL;
	uint8_t mp[SPDM_MPRIME_MAX];
	size_t mp_len, signed_len;
	EVP_MD_CTX *c = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char der[256], *dp;
	const uint8_t *sig;
	size_t slen;
	bool ok = false;

	if (!alg) {
		snprintf(why, wsz, "VCA selects no algorithm the builder knows");
		return false;
	}
	p = e->chain + 4 + alg->hash_len;
	end = e->chain + e->chain_len;
	while (p < end) {
		X509_free(leaf);
		leaf = d2i_X509(NULL, &p, end - p);
		if (!leaf)
			break;
	}
	if (!leaf || e->meas_len < 37 + alg->sig_len) {
		snprintf(why, wsz, "no leaf certificate");
		goto out;
	}
	signed_len = e->meas_len - alg->sig_len;
	sig = e->meas + signed_len;
	if (spdm_build_mprime(alg->md, e->vca, e->vca_len, e->meas, signed_len, mp,
			      &mp_len))
		goto out;
	slen = alg->sig_len;
	if (!alg->rsa) {
		ECDSA_SIG *s = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig, (int)slen / 2, NULL);
		BIGNUM *ss = BN_bin2bn(sig + slen / 2, (int)slen / 2, NULL);

		dp = der;
		if (!s || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
			BN_free(r);
			BN_free(ss);
			ECDSA_SIG_free(s);
			goto out;
		}
		slen = (size_t)i2d_ECDSA_SIG(s, &dp);
		ECDSA_SIG_free(s);
		sig = der;
	}
	c = EVP_MD_CTX_new();
	if (!c || EVP_DigestVerifyInit_ex(c, &pctx, alg->md, NULL, NULL,
					  X509_get0_pubkey(leaf), NULL) != 1)
		goto out;
	if (alg->pss &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto out;
	ok = EVP_DigestVerify(c, sig, slen, mp, mp_len) == 1;
	if (!ok)
		snprintf(why, wsz, "signature over the builder's M' does not verify");
out:
	EVP_MD_CTX_free(c);
	X509_free(leaf);
	return ok;
}

static void test_captures(const char *cap)
{
	struct dirent **ents = NULL;
	int n, ran = 0;

	if (!cap || !*cap) {
		printf("NOT RUN libspdm capture check: set SPDM_CAPTURE_DIR (or --captures DIR)\n");
		return;
	}
	n = scandir(cap, &ents, NULL, alphasort);
	if (n < 0) {
		result(false, "libspdm captures", "%s: %s", cap, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		char dir[4200], name[512], why[256] = "";
		struct evidence e;
		struct check_result res;
		struct stat st;

		FMT(dir, "%s/%s", cap, ents[i]->d_name);
		if (ents[i]->d_name[0] == '.' || stat(dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		ran++;
		FMT(name, "capture %s: builder M' matches the real signature",
			 ents[i]->d_name);
		if (evidence_load(&e, dir, "cert_chain_slot0.bin", "vca.bin",
				  "measurements_object.bin", "requester_nonce.hex",
				  "anchor.pem")) {
			result(false, name, "cannot load the capture files");
			continue;
		}
		result(builder_mprime_verifies(&e, why, sizeof(why)), name, "%s", why);
		FMT(name, "capture %s: independent checker accepts",
			 ents[i]->d_name);
		run_check(&e, e.nonce, &res);
		result(res.code == CHECK_OK, name, "%s %s: %s", check_code_name(res.code),
		       res.detail, res.msg);
		FMT(name, "capture %s: any changed byte is rejected",
			 ents[i]->d_name);
		mutation_test(name, &e);
		evidence_free(&e);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	result(ran > 0, "libspdm captures: at least one capture found", "none in %s", cap);
}

int main(int argc, char **argv)
{
	const char *cap = getenv("SPDM_CAPTURE_DIR");
	struct gen_opts o = { .algs = (1u << SPDM_ALG_COUNT) - 1, .svn = GEN_DEFAULT_SVN,
			      .hwid = GEN_DEFAULT_HWID };
	char fx[1024], msg[512], cmd[4300];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bin-dir") && i + 1 < argc)
			bin_dir = argv[++i];
		else if (!strcmp(argv[i], "--work") && i + 1 < argc)
			work = argv[++i];
		else if (!strcmp(argv[i], "--captures") && i + 1 < argc)
			cap = argv[++i];
		else {
			fprintf(stderr, "usage: test-tools [--bin-dir DIR] [--work DIR] [--captures DIR]\n");
			return 2;
		}
	}
	FMT(cmd, "rm -rf '%s' && mkdir -p '%s'", work, work);
	if (system(cmd)) {
		fprintf(stderr, "cannot prepare %s\n", work);
		return 1;
	}
	FMT(fx, "%s/fx", work);
	o.out = fx;
	for (int i = 0; i < SPDM_NONCE_LEN; i++)
		o.nonce[i] = (uint8_t)(0x11 * i);
	o.have_nonce = true;
	if (fixture_gen(&o, msg, sizeof(msg))) {
		result(false, "gen --alg all", "%s", msg);
		return 1;
	}
	result(true, "gen --alg all", NULL);
	test_manifest(fx);
	for (int a = 0; a < SPDM_ALG_COUNT; a++) {
		const struct spdm_alg *alg = spdm_alg((enum spdm_alg_id)a);

		test_chain_header(fx, alg);
		test_leaf_profile(fx, alg);
		test_vca_shape(fx, alg);
		test_measurements_shape(fx, alg);
		test_mutations(fx, alg);
	}
	test_options();
	test_responder(fx);
	test_responder_binary(fx);
	test_cli(fx);
	test_report();
	test_captures(cap);
	printf("%d passed, %d failed%s\n", passes, failures,
	       cap && *cap ? "" : " (libspdm capture check NOT RUN)");
	return failures ? 1 : 0;
}
