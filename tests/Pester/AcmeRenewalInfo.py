#!/usr/bin/env python3
"""ACME Renewal Information (RFC 9773) in front of a real ACME server that has none (pebble 2.4.0).

usage: AcmeRenewalInfo.py PORT CERT KEY UPSTREAM_DIRECTORY UPSTREAM_CA WINDOWS_JSON REQUEST_LOG

HTTPS on 127.0.0.1:PORT with CERT/KEY.
  GET /dir                      the upstream directory, fetched (TLS checked against UPSTREAM_CA) and
                                copied member for member, plus "renewalInfo": https://127.0.0.1:PORT/renewalInfo;
                                its other URLs still point at the upstream server, so orders go there.
  GET /dir-plain                the upstream directory copied without renewalInfo (a CA without ARI).
  GET /renewalInfo/<certID>     the entry for certID in WINDOWS_JSON, read at every request so a test
                                changes the window by rewriting the file:
                                  {"<certID>": {"start": "...", "end": "...", "explanationURL": "...",
                                                "retryAfter": 21600}}
                                answered 200 {"suggestedWindow":{"start","end"},"explanationURL"} with
                                Retry-After; an entry {"status": N, "body": "..."} is answered as given
                                (for hostile answers); an unknown certID is 404 with an ACME problem.
Every renewalInfo request path is appended to REQUEST_LOG, so a test sees which certID was asked.
As RFC 9773 says, renewalInfo is a GET without authentication; a POST is 405.
"""
import json
import ssl
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, CERT, KEY, UPSTREAM, UPSTREAM_CA, WINDOWS, LOG = sys.argv[1:8]
PORT = int(PORT)
BASE = "https://127.0.0.1:%d" % PORT


def upstream_directory():
    context = ssl.create_default_context(cafile=UPSTREAM_CA)
    with urllib.request.urlopen(UPSTREAM, context=context, timeout=10) as answer:
        return json.loads(answer.read())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in ("/dir", "/dir-plain"):
            directory = upstream_directory()
            if path == "/dir":
                directory["renewalInfo"] = BASE + "/renewalInfo"
            return self.answer(200, directory)
        if path.startswith("/renewalInfo/"):
            cert_id = path[len("/renewalInfo/"):]
            with open(LOG, "a") as log:
                log.write(cert_id + "\n")
            try:
                with open(WINDOWS) as f:
                    windows = json.load(f)
            except FileNotFoundError:
                windows = {}
            entry = windows.get(cert_id)
            if entry is None:
                return self.answer(404, {"type": "urn:ietf:params:acme:error:malformed",
                                         "detail": "no renewal information for " + cert_id},
                                   ctype="application/problem+json")
            if "status" in entry:
                return self.answer(entry["status"], entry.get("body", ""))
            body = {"suggestedWindow": {"start": entry["start"], "end": entry["end"]}}
            if entry.get("explanationURL"):
                body["explanationURL"] = entry["explanationURL"]
            return self.answer(200, body, headers={"Retry-After": str(entry.get("retryAfter", 21600))})
        return self.answer(404, {"type": "urn:ietf:params:acme:error:malformed", "detail": "not found"},
                           ctype="application/problem+json")

    def do_POST(self):
        return self.answer(405, {"type": "urn:ietf:params:acme:error:malformed",
                                 "detail": "renewalInfo is a GET"}, ctype="application/problem+json")


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
