"""A DC/OS master stand-in for the fleet tests: Admin Router's login and the leading Mesos master's
/mesos/slaves, on 127.0.0.1 over plain HTTP. Usage: MesosMaster.py PORTFILE AGENTS_JSON TOKENFILE [CFSSL_URL].
It logs in any user with any password and answers the token in TOKENFILE (a file: a token on the command line would be in /proc); /mesos/slaves needs that token
and lists the agents from AGENTS_JSON ([{"id": ..., "hostname": ...}]), read at every request so
that a test can change the list. With CFSSL_URL (a cfssl serve, e.g. http://127.0.0.1:8888) it is also
the cluster CA: /ca/api/v2/<endpoint> needs the token and is passed to cfssl's /api/v1/cfssl/<endpoint>,
cfssl's answer returned as it is. It writes its port to PORTFILE once it listens."""
import json
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, agents_file = sys.argv[1], sys.argv[2]
with open(sys.argv[3]) as token_file:
    token = token_file.read().strip()
cfssl = sys.argv[4] if len(sys.argv) > 4 else None


class Master(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/acs/api/v1/auth/login":
            self.answer(200, {"token": token})
        elif cfssl and self.path.startswith("/ca/api/v2/"):
            if self.headers.get("Authorization") != "token=" + token:
                self.answer(401, {"code": "ERR_INVALID_TOKEN"})
                return
            request = urllib.request.Request(cfssl + "/api/v1/cfssl/" + self.path[len("/ca/api/v2/"):], data=body,
                                             headers={"Content-Type": "application/json"}, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status, data, kind = response.status, response.read(), response.headers.get("Content-Type")
            except urllib.error.HTTPError as e:
                status, data, kind = e.code, e.read(), e.headers.get("Content-Type")
            self.send_response(status)
            self.send_header("Content-Type", kind or "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.answer(404, {"code": "ERR_NOT_FOUND"})

    def do_GET(self):
        if self.path != "/mesos/slaves":
            self.answer(404, {"code": "ERR_NOT_FOUND"})
        elif self.headers.get("Authorization") != "token=" + token:
            self.answer(401, {"code": "ERR_INVALID_TOKEN"})
        else:
            with open(agents_file) as f:
                agents = json.load(f)
            slaves = [{"id": a["id"], "hostname": a["hostname"], "port": 5051, "pid": "slave(1)@%s:5051" % a["hostname"],
                       "active": True, "attributes": {}, "version": "1.10.0"} for a in agents]
            self.answer(200, {"slaves": slaves, "recovered_slaves": []})

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Master)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
