// SPDX-License-Identifier: GPL-2.0-only
/*
 * Evidence bundle (bundle.h). Binary objects are carried whole in base64
 * rather than as a summary: the point of the bundle is that someone else
 * can verify the same bytes again, with their own tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bundle.h"
#include "util.h"

char *tsm_base64(const uint8_t *data, size_t len)
{
	size_t out_len = 4 * ((len + 2) / 3) + 1;
	char *out;

	if (len > (SIZE_MAX / 4) - 4 || len > INT32_MAX)
		return NULL;
	out = malloc(out_len);
	if (!out)
		return NULL;
	/* EVP_EncodeBlock: no line breaks, NUL-terminated */
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

char *tsm_base64url(const uint8_t *data, size_t len)
{
	char *s = tsm_base64(data, len), *p;

	if (!s)
		return NULL;
	for (p = s; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=') {
			*p = '\0';
			break;
		}
	}
	return s;
}

int tsm_json_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -1;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int add_string(struct json_object *o, const char *key, const char *val)
{
	return tsm_json_add(o, key, json_object_new_string(val));
}

static int add_hexid(struct json_object *o, const char *key, unsigned int val, int width)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%0*x", width, val);
	return add_string(o, key, buf);
}

static int add_bytes(struct json_object *o, const char *key, const uint8_t *data, size_t len)
{
	char *b64 = tsm_base64(data, len);
	int r;

	if (!b64)
		return -1;
	r = add_string(o, key, b64);
	free(b64);
	return r;
}

static struct json_object *object_json(const struct tsm_bundle_object *obj)
{
	struct json_object *e = json_object_new_object();
	uint8_t md[32];
	char hex[65];

	if (!e)
		return NULL;
	if (tsm_digest(TSM_HASH_SHA256, obj->data, obj->len, md) ||
	    json_object_object_add(e, "length", json_object_new_int64((int64_t)obj->len)) ||
	    add_string(e, "sha256", tsm_hex(md, sizeof(md), hex, sizeof(hex))) ||
	    add_bytes(e, "base64", obj->data, obj->len)) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static struct json_object *identity_json(const struct tsm_bundle *b)
{
	struct json_object *dev = json_object_new_object();

	if (!dev)
		return NULL;
	if (add_string(dev, "address", b->address ? b->address : "") ||
	    add_hexid(dev, "vendor", b->vendor, 4) || add_hexid(dev, "device", b->device, 4) ||
	    add_hexid(dev, "class", b->class_code, 6) ||
	    (b->hwid && add_string(dev, "hwid", b->hwid)) ||
	    (b->leaf_subject && add_string(dev, "leaf_subject", b->leaf_subject))) {
		json_object_put(dev);
		return NULL;
	}
	return dev;
}

struct json_object *tsm_bundle_json(const struct tsm_bundle *b)
{
	struct json_object *o = json_object_new_object(), *dev, *tsm = NULL, *objs = NULL;
	size_t i;

	if (!o)
		return NULL;
	if (add_string(o, "format", TSM_BUNDLE_FORMAT))
		goto fail;
	dev = identity_json(b);
	if (!dev || json_object_object_add(o, "device", dev)) {
		json_object_put(dev);
		goto fail;
	}
	if (b->tsm_name) {
		tsm = json_object_new_object();
		if (!tsm || add_string(tsm, "name", b->tsm_name) ||
		    add_string(tsm, "mode", b->tsm_mode ? b->tsm_mode : "") ||
		    json_object_object_add(o, "tsm", tsm)) {
			json_object_put(tsm);
			goto fail;
		}
	}
	if (add_string(o, "family", b->family ? b->family : ""))
		goto fail;
	/* null, not 0: the pci-tsm family has no generation at all */
	if (json_object_object_add(o, "generation", b->has_generation ?
				   json_object_new_int64(b->generation) : NULL))
		goto fail;
	if (b->nonce && b->nonce_len) {
		if (add_bytes(o, "nonce", b->nonce, b->nonce_len))
			goto fail;
	} else if (json_object_object_add(o, "nonce", NULL)) {
		goto fail;
	}
	objs = json_object_new_object();
	if (!objs)
		goto fail;
	for (i = 0; i < b->nobjects; i++) {
		struct json_object *e = object_json(&b->objects[i]);

		if (!e || json_object_object_add(objs, b->objects[i].name, e)) {
			json_object_put(e);
			goto fail_objs;
		}
	}
	if (json_object_object_add(o, "evidence", objs))
		goto fail_objs;
	return o;
fail_objs:
	json_object_put(objs);
fail:
	json_object_put(o);
	return NULL;
}
