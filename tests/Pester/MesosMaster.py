"""A DC/OS master stand-in for the fleet tests: Admin Router's login and the leading Mesos master's
/mesos/slaves, on 127.0.0.1 over plain HTTP. Usage: MesosMaster.py PORTFILE AGENTS_JSON TOKENFILE [CFSSL_URL].
It logs in any user with any password and answers the token in TOKENFILE (a file: a token on the command line would be in /proc); /mesos/slaves needs that token
and lists the agents from AGENTS_JSON ([{"id": ..., "hostname": ...}]), read at every request so
that a test can change the list. With CFSSL_URL (a cfssl serve, e.g. http://127.0.0.1:8888) it is also
the cluster CA: /ca/api/v2/<endpoint> needs the token and is passed to cfssl's /api/v1/cfssl/<endpoint>,
cfssl's answer returned as it is. It writes its port to PORTFILE once it listens.

The Mesos v1 operator API (POST /mesos/api/v1, the token needed), as the rollout uses it:
DRAIN_AGENT (the agent is deactivated and DRAINING, then DRAINED after MESOS_STANDIN_DRAIN_SECONDS,
default 0.3; never for agent ids listed in the file PORTFILE.nodrain), REACTIVATE_AGENT (drain state
cleared, active again), GET_AGENTS (agent_info, active, deactivated, drain_info, registered and
reregistered time). 404 for an unknown agent id. Knobs a test sets while the stand-in runs: the file
PORTFILE.refuse lists agent ids ("id [status]" per line) whose DRAIN_AGENT is refused with that
status (default 403, as Admin Router answers a user without the permission; the state is left as it
was; logged as DRAIN_REFUSED); PORTFILE.noregister lists host names whose /standin/register is
answered but not recorded (an agent that never re-registers; logged as REGISTER_IGNORED); while the
file PORTFILE.nodrainapi exists the master is an older one without the drain API (Mesos 1.8, DC/OS 1.13):
GET_VERSION answers 1.8.1, GET_AGENTS has no drain_info, and DRAIN_AGENT / REACTIVATE_AGENT are answered
400 as a call type the master does not know (logged as DRAIN_UNKNOWN; the text of that 400 is a guess at
Mesos' wording). GET_VERSION answers 1.10.1 otherwise. Agents register by POST /standin/register
{"hostname": ...} (no token: the Mesos agent stand-in inside an agent does this at every start).
Every call is logged as a JSON line {"time": epoch seconds, "call": ..., "agent_id": ...} in
PORTFILE.calls, so that a test can see which agents were out of service when."""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, agents_file = sys.argv[1], sys.argv[2]
with open(sys.argv[3]) as token_file:
    token = token_file.read().strip()
cfssl = sys.argv[4] if len(sys.argv) > 4 else None
drain_seconds = float(os.environ.get("MESOS_STANDIN_DRAIN_SECONDS", "0.3"))
calls_file = port_file + ".calls"
lock = threading.Lock()
# Per agent id: deactivated, drain state, when the drain started, registration times (ns).
state = {}
started_ns = time.time_ns()


def log_call(call, agent_id=None, **extra):
    entry = dict({"time": time.time(), "call": call, "agent_id": agent_id}, **extra)
    with lock, open(calls_file, "a") as f:
        f.write(json.dumps(entry) + "\n")


def agents():
    with open(agents_file) as f:
        listed = json.load(f)
    with lock:
        for a in listed:
            state.setdefault(a["id"], {"deactivated": False, "drain": None, "drain_at": 0.0,
                                       "registered": started_ns, "reregistered": None})
    return listed


def drain_state(s):
    if s["drain"] == "DRAINING" and time.time() - s["drain_at"] >= drain_seconds and not never_drains(s):
        s["drain"] = "DRAINED"
    return s["drain"]


def listed_in(suffix):
    try:
        with open(port_file + suffix) as f:
            return [line.split() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def refusal(agent_id):
    for entry in listed_in(".refuse"):
        if entry[0] == agent_id:
            return int(entry[1]) if len(entry) > 1 else 403
    return None


def never_drains(s):
    try:
        with open(port_file + ".nodrain") as f:
            return s.get("id") in f.read().split()
    except FileNotFoundError:
        return False


class Master(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def operator(self, body):
        try:
            call = json.loads(body)
        except ValueError:
            self.answer(400, {"message": "not JSON"})
            return
        kind = call.get("type")
        listed = agents()
        old = os.path.exists(port_file + ".nodrainapi")
        if kind == "GET_VERSION":
            log_call("GET_VERSION")
            self.answer(200, {"type": "GET_VERSION", "get_version": {"version_info": {
                "version": "1.8.1" if old else "1.10.1", "build_user": "standin"}}})
            return
        if old and kind in ("DRAIN_AGENT", "REACTIVATE_AGENT"):
            log_call("DRAIN_UNKNOWN", None, type=kind)
            self.answer(400, {"message": "Failed to convert JSON into Call protobuf: Failed to find enum for '%s'" % kind})
            return
        if kind == "GET_AGENTS":
            out = []
            with lock:
                for a in listed:
                    s = state[a["id"]]
                    s["id"] = a["id"]
                    entry = {"agent_info": {"id": {"value": a["id"]}, "hostname": a["hostname"], "port": 5051},
                             "pid": "slave(1)@%s:5051" % a["hostname"], "active": not s["deactivated"],
                             "deactivated": s["deactivated"], "version": "1.10.1",
                             "registered_time": {"nanoseconds": s["registered"]}}
                    if s["reregistered"]:
                        entry["reregistered_time"] = {"nanoseconds": s["reregistered"]}
                    if drain_state(s) and not old:
                        entry["drain_info"] = {"state": s["drain"], "config": {"mark_gone": False}}
                    out.append(entry)
            log_call("GET_AGENTS")
            self.answer(200, {"type": "GET_AGENTS", "get_agents": {"agents": out, "recovered_agents": []}})
            return
        if kind not in ("DRAIN_AGENT", "REACTIVATE_AGENT"):
            self.answer(400, {"message": "unsupported call type %s" % kind})
            return
        agent_id = ((call.get(kind.lower()) or {}).get("agent_id") or {}).get("value")
        if agent_id not in [a["id"] for a in listed]:
            self.answer(404, {"message": "unknown agent %s" % agent_id})
            return
        refused = refusal(agent_id) if kind == "DRAIN_AGENT" else None
        if refused:
            log_call("DRAIN_REFUSED", agent_id, status=refused)
            self.answer(refused, {"code": "ERR_FORBIDDEN" if refused == 403 else "ERR_REFUSED",
                                  "message": "drain of agent %s refused by the stand-in" % agent_id})
            return
        with lock:
            s = state[agent_id]
            s["id"] = agent_id
            if kind == "DRAIN_AGENT":
                if s["drain"] is None:
                    s["drain"], s["drain_at"] = "DRAINING", time.time()
                s["deactivated"] = True
            else:
                s["drain"], s["deactivated"] = None, False
        log_call(kind, agent_id)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/mesos/api/v1":
            if self.headers.get("Authorization") != "token=" + token:
                self.answer(401, {"code": "ERR_INVALID_TOKEN"})
            else:
                self.operator(body)
        elif self.path == "/standin/register":
            hostname = json.loads(body).get("hostname")
            matched = [a["id"] for a in agents() if a["hostname"] == hostname]
            if [hostname] in listed_in(".noregister"):
                log_call("REGISTER_IGNORED", matched[0] if matched else None, hostname=hostname)
                self.answer(200, {})
                return
            with lock:
                for agent_id in matched:
                    state[agent_id]["reregistered"] = time.time_ns()
            log_call("REGISTER", matched[0] if matched else None, hostname=hostname)
            self.answer(200 if matched else 404, {})
        elif self.path == "/acs/api/v1/auth/login":
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
            listed = agents()
            with lock:
                slaves = [{"id": a["id"], "hostname": a["hostname"], "port": 5051, "pid": "slave(1)@%s:5051" % a["hostname"],
                           "active": not state[a["id"]]["deactivated"], "deactivated": state[a["id"]]["deactivated"],
                           "attributes": a.get("attributes", {}), "version": "1.10.0"} for a in listed]
            self.answer(200, {"slaves": slaves, "recovered_slaves": []})

    def log_message(self, format, *args):
        pass


# A long backlog: a loaded machine must not refuse the rollout's polling.
ThreadingHTTPServer.request_queue_size = 128
server = ThreadingHTTPServer(("127.0.0.1", 0), Master)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
