#!/usr/bin/env python3
# This file is a client of `collectssl serve` in another language (Python's
# standard library only), run by TestServePython: it reads the manifest,
# adds an order through the control API, collects it, checks the leaf, and
# reads and resets the counters. It prints "ok" and exits 0, or exits 1.
import json
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

manifest = json.load(open(sys.argv[1]))
ctx = ssl.create_default_context(cafile=manifest["caFile"])
control = manifest["control"]["url"]
auth = {"Authorization": "Bearer " + manifest["control"]["token"]}


def ctl(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(control + path, data=data, method=method, headers=auth)
    with urllib.request.urlopen(req, context=ctx) as resp:
        return json.load(resp)


def collect(order_number):
    form = urllib.parse.urlencode({
        "loginName": manifest["login"], "loginPassword": manifest["password"],
        "orderNumber": order_number, "queryType": "1", "responseType": "3",
    }).encode()
    with urllib.request.urlopen(manifest["endpoint"], data=form, context=ctx) as resp:
        return resp.read().decode()


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


order = ctl("POST", "orders", {"domains": ["py.example.test"], "keyType": "RSA"})
body = collect(order["orderNumber"])
lines = body.split("\n")
if lines[0] != "2" or order["certificatePEM"] not in body:
    fail("collected %r, want status 2 and the order's certificate" % lines[0])

# Without the token the control API refuses.
try:
    urllib.request.urlopen(control + "counters", context=ctx)
    fail("the control API answered without the token")
except urllib.error.HTTPError as e:
    if e.code != 401:
        fail("without the token: HTTP %d, want 401" % e.code)

ctl("POST", "faults", {"kind": "httpError", "status": 503})
try:
    collect(order["orderNumber"])
    fail("no 503")
except urllib.error.HTTPError as e:
    if e.code != 503:
        fail("HTTP %d, want 503" % e.code)

counters = ctl("GET", "counters")
if counters["callCount"] != 2 or counters["overlap"] != 0:
    fail("counters %r, want 2 calls and no overlap" % counters)
calls = ctl("GET", "calls")["calls"]
if [c["httpStatus"] for c in calls] != [200, 503] or calls[0]["form"]["loginPassword"] != ["[REDACTED]"]:
    fail("calls %r" % calls)
if ctl("POST", "reset")["callCount"] != 0:
    fail("reset left calls")
print("ok")
