#!/usr/bin/env python3
"""A deliberately broken ACME server for the tests: HTTPS on 127.0.0.1, no signature checks.

usage: HostileAcme.py PORT CERT KEY [VICTIM]

The first path segment picks the fault, so one server serves every case:
  https://127.0.0.1:PORT/<mode>/directory
Modes:
  slow-account    newAccount takes a second (two first orders at once overlap)
  token-traversal the http-01 token is ../../victim
  token-absolute  the http-01 token is the absolute path VICTIM
  token-number    the token is a JSON number
  chal-missing    the challenge has neither token nor url
  dir-types       the directory's URLs are a number, an object and a list
  order-nonjson   newOrder answers 201 with an HTML page
  cert-garbage    the certificate is a PEM frame around text that is not base64
  cert-notcert    the certificate is a PEM frame around base64 that is not a certificate
Authorizations offer http-01 and dns-01. Every answer carries a Replay-Nonce; the state of an order
is kept per mode.
"""
import json
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, CERT, KEY = int(sys.argv[1]), sys.argv[2], sys.argv[3]
VICTIM = sys.argv[4] if len(sys.argv) > 4 else "/nonexistent"
STATE = {}
LOCK = threading.Lock()
NONCE = [0]


def token_for(mode):
    return {
        "token-traversal": "../../victim",
        "token-absolute": VICTIM,
        "token-number": 12345,
    }.get(mode, "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", ctype="application/json", location=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        with LOCK:
            NONCE[0] += 1
            nonce = "nonce%08d" % NONCE[0]
        self.send_response(status)
        self.send_header("Replay-Nonce", nonce)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        parts = self.path.strip("/").split("/")
        mode, rest = parts[0], "/".join(parts[1:])
        base = "https://127.0.0.1:%d/%s" % (PORT, mode)
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        state = STATE.setdefault(mode, {"authz": "pending", "order": "pending"})
        if rest == "directory":
            if mode == "dir-types":
                return self.answer(200, {"newNonce": 5, "newAccount": {"x": 1}, "newOrder": [base]})
            return self.answer(200, {"newNonce": base + "/nonce", "newAccount": base + "/account",
                                     "newOrder": base + "/order"})
        if rest == "nonce":
            return self.answer(200)
        if rest == "account":
            if mode == "slow-account":
                import time
                time.sleep(1)
            return self.answer(201, {"status": "valid", "contact": []}, location=base + "/account/1")
        if rest.startswith("account/"):
            return self.answer(200, {"status": "valid", "contact": []})
        if rest == "order":
            state["authz"], state["order"] = "pending", "pending"
            if mode == "order-nonjson":
                return self.answer(201, "<html><body>oops</body></html>", "text/html", base + "/order/1")
            return self.answer(201, {"status": "pending", "authorizations": [base + "/authz/1"],
                                     "finalize": base + "/finalize"}, location=base + "/order/1")
        if rest == "authz/1":
            if b"deactivated" in payload:
                state["authz"] = "deactivated"
            challenges = [{"type": kind, "url": base + "/challenge/1", "token": token_for(mode), "status": state["authz"]}
                          for kind in ("http-01", "dns-01")]
            if mode == "chal-missing":
                challenges = [{"type": "http-01", "status": "pending"}]
            return self.answer(200, {"status": state["authz"], "identifier": {"type": "dns", "value": "hostile.acme.test"},
                                     "challenges": challenges})
        if rest == "challenge/1":
            state["authz"] = "valid"
            state["order"] = "ready"
            return self.answer(200, {"type": "http-01", "status": "valid"})
        if rest == "order/1":
            body = {"status": state["order"], "authorizations": [base + "/authz/1"], "finalize": base + "/finalize"}
            if state["order"] == "valid":
                body["certificate"] = base + "/certificate"
            return self.answer(200, body)
        if rest == "finalize":
            state["order"] = "valid"
            return self.answer(200, {"status": "valid", "certificate": base + "/certificate"})
        if rest == "certificate":
            if mode == "cert-garbage":
                return self.answer(200, "-----BEGIN CERTIFICATE-----\nthis is not base64!\n-----END CERTIFICATE-----\n", "application/pem-certificate-chain")
            if mode == "cert-notcert":
                return self.answer(200, "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n", "application/pem-certificate-chain")
            return self.answer(200, "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", "application/pem-certificate-chain")
        return self.answer(404, {"type": "urn:ietf:params:acme:error:malformed", "detail": "no such resource"},
                           "application/problem+json")

    do_GET = do_POST = do_HEAD = route


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("ready", flush=True)
server.serve_forever()
