#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Validate EARs and evidence bundles against tests/ear/*.schema.json.

Usage: check-schema.py EAR_SCHEMA BUNDLE_SCHEMA DIR
DIR holds what `test-ear --write` produced: ear-*.json must validate,
bundle.json must validate, and every mutation below of a valid EAR or
bundle must NOT validate (each breaks one rule of the draft's CDDL).
Exits 1 on any failure, including a missing python3-jsonschema: a check
that cannot run is a failed check, not a skipped one.
"""
import copy
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("check-schema: FAIL: python3-jsonschema is not installed "
             "(apt-get install python3-jsonschema)")


def sub(doc):
    return next(iter(doc["submods"].values()))


def mut(fn):
    def apply(doc):
        doc = copy.deepcopy(doc)
        fn(doc)
        return doc
    return apply


# (name, mutation) pairs; each result must be rejected by the schema.
EAR_BREAKS = [
    ("no eat_profile", mut(lambda d: d.pop("eat_profile"))),
    ("other profile", mut(lambda d: d.update(eat_profile="tag:ietf.org,2026:rats/ear#04"))),
    ("no iat", mut(lambda d: d.pop("iat"))),
    ("iat as text", mut(lambda d: d.update(iat=str(d["iat"])))),
    ("iat as float", mut(lambda d: d.update(iat=d["iat"] + 0.5))),
    ("no verifier-id", mut(lambda d: d.pop("ear.verifier-id"))),
    ("verifier-id without build", mut(lambda d: d["ear.verifier-id"].pop("build"))),
    ("verifier-id extra key", mut(lambda d: d["ear.verifier-id"].update(host="x"))),
    ("no submods", mut(lambda d: d.pop("submods"))),
    ("empty submods", mut(lambda d: d.update(submods={}))),
    ("no ear.status", mut(lambda d: sub(d).pop("ear.status"))),
    ("unknown status", mut(lambda d: sub(d).update({"ear.status": "accepted"}))),
    ("status as number", mut(lambda d: sub(d).update({"ear.status": 96}))),
    ("empty vector", mut(lambda d: sub(d).update({"ear.trustworthiness-vector": {}}))),
    ("unknown vector claim",
     mut(lambda d: sub(d)["ear.trustworthiness-vector"].update(firmware=2))),
    ("vector value 128",
     mut(lambda d: sub(d)["ear.trustworthiness-vector"].update(hardware=128))),
    ("vector value -129",
     mut(lambda d: sub(d)["ear.trustworthiness-vector"].update(hardware=-129))),
    ("vector value as text",
     mut(lambda d: sub(d)["ear.trustworthiness-vector"].update(hardware="2"))),
    ("policy id as number", mut(lambda d: sub(d).update({"ear.appraisal-policy-id": 1}))),
    ("appraisal extension not a map",
     mut(lambda d: sub(d).update({"pci-tsm.decision": "denied"}))),
    ("top-level extension not a map", mut(lambda d: d.update({"pci-tsm.host": "h1"}))),
    ("raw evidence not base64url", mut(lambda d: d.update({"ear.raw-evidence": "a+b/"}))),
    ("nonce too short", mut(lambda d: d.update(eat_nonce="AAAA"))),
]

BUNDLE_BREAKS = [
    ("wrong format", mut(lambda d: d.update(format="pci-tsm-evidence-bundle/2"))),
    ("no evidence", mut(lambda d: d.pop("evidence"))),
    ("unknown object", mut(lambda d: d["evidence"].update(cert8=d["evidence"]["cert0"]))),
    ("object not base64", mut(lambda d: d["evidence"]["cert0"].update(base64="***"))),
    ("short sha256", mut(lambda d: d["evidence"]["cert0"].update(sha256="00"))),
    ("bad address", mut(lambda d: d["device"].update(address="01:00.0"))),
    ("generation negative", mut(lambda d: d.update(generation=-1))),
]


def main():
    ear_schema, bundle_schema, out = sys.argv[1:4]
    failures = 0
    validators = {}
    for name in (ear_schema, bundle_schema):
        with open(name) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[name] = jsonschema.Draft202012Validator(schema)
    ear_v, bundle_v = validators[ear_schema], validators[bundle_schema]

    def expect(v, doc, valid, what):
        nonlocal failures
        errors = list(v.iter_errors(doc))
        if valid and errors:
            failures += 1
            print(f"FAIL {what}: {errors[0].message} at {list(errors[0].absolute_path)}")
        elif not valid and not errors:
            failures += 1
            print(f"FAIL {what}: accepted, but the schema must reject it")
        else:
            print(f"ok   {what}")

    ears = sorted(glob.glob(os.path.join(out, "ear-*.json")))
    if len(ears) < 4:
        sys.exit(f"check-schema: FAIL: expected 4 sample EARs in {out}, found {len(ears)}")
    for path in ears:
        with open(path) as f:
            doc = json.load(f)
        expect(ear_v, doc, True, os.path.basename(path))
        for what, fn in EAR_BREAKS:
            expect(ear_v, fn(doc), False, f"{os.path.basename(path)} with {what}")
    with open(os.path.join(out, "bundle.json")) as f:
        bundle = json.load(f)
    expect(bundle_v, bundle, True, "bundle.json")
    for what, fn in BUNDLE_BREAKS:
        expect(bundle_v, fn(bundle), False, f"bundle.json with {what}")
    # the draft's own example (Figure 3, contraindicated) must validate too
    example = {
        "eat_profile": "tag:github.com,2023:veraison/ear",
        "iat": 1666529184,
        "ear.verifier-id": {"developer": "https://veraison-project.org", "build": "vts 0.0.1"},
        "ear.raw-evidence": "NzQ3MjY5NzM2NTYzNzQK",
        "submods": {"PSA": {"ear.status": "contraindicated",
                            "ear.trustworthiness-vector": {"instance-identity": 2,
                                                           "executables": 96, "hardware": 2},
                            "ear.appraisal-policy-id":
                                "https://veraison.example/policy/1/60a0068d"}},
    }
    expect(ear_v, example, True, "draft-fv-rats-ear-05 Figure 3")
    if failures:
        sys.exit(f"check-schema: FAIL: {failures} case(s)")
    print(f"check-schema: {len(ears) * (1 + len(EAR_BREAKS)) + 2 + len(BUNDLE_BREAKS)} "
          "cases passed")


main()
