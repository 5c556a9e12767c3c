"""A DC/OS cluster stand-in for the cluster-side tests: Admin Router on 127.0.0.1 over TLS in front of IAM
(login, service accounts, ACLs), Marathon (apps and deployments that take a moment) and the secrets service,
as tests/../shared reference describes them. Usage: ClusterStandIn.py PORTFILE CERT KEY USERS_JSON.
USERS_JSON is a file {"uid": "password"}; uids starting with "viewer" may log in and read Marathon, and get
Admin Router's 403 page for everything else. Tokens are JWT-shaped, random, and known only to this process.
Labels steer Marathon: STANDIN_STUCK (the deployment never ends), STANDIN_ROLLBACK (it ends with the old
version back). POST /package/install
installs marathon-lb only (a Marathon app /<name>; options checked against part of its schema). POST /_standin/forget-tokens makes every token unknown (401). POST /_standin/fail {"match": "METHOD /path-prefix",
"status": 503, "text": "..."} makes the next authenticated call that matches answer that status once, echoing the text, the
Authorization header and the request body (502 as Admin Router's HTML page); GET /_standin/failures lists those not yet used. GET /_standin/log lists "METHOD path" of every request (no bodies). It writes its port to
PORTFILE once it listens."""
import base64
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, cert_file, key_file, users_file = sys.argv[1:5]
with open(users_file) as f:
    passwords = json.load(f)
DEPLOY_SECONDS = 0.4
lock = threading.Lock()
tokens = {}          # token -> uid
accounts = {}        # uid -> {"description", "public_key"}
acls = {}            # rid -> {"description", "grants": set((uid, action))}
store = {}           # path -> ("text"|"file", bytes)
apps = {}            # id -> app dict (definition + version)
previous = {}        # id -> the app before the running deployment
deployments = {}     # id -> {"id", "app", "kind", "ends", "version"}
log = []
failures = []       # {"match": "METHOD /path-prefix", "status": 503, "text": "..."}: the next matching call fails once
MLB_VERSIONS = ["1.15.0", "1.14.0"]
MLB_OPTIONS = {"name": str, "haproxy-group": str, "instances": int, "cpus": (int, float), "mem": (int, float), "secret_name": str,
               "marathon-uri": str, "ssl-cert": str, "role": str, "bind-http-https": bool, "strict-mode": bool,
               "minimumHealthCapacity": (int, float), "maximumOverCapacity": (int, float), "parameters": list}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_token(uid):
    payload = b64url(json.dumps({"uid": uid, "exp": int(time.time()) + 3600}).encode())
    token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + payload + "." + b64url(secrets.token_bytes(32))
    tokens[token] = uid
    return token


def verify_login_token(uid, token):
    """RS256 check of a service login token against the account's registered public key."""
    account = accounts.get(uid)
    if not account:
        return False
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
        head, body, sig = token.split(".")
        claims = json.loads(b64url_decode(body))
        if claims.get("uid") != uid or claims.get("exp", 0) < time.time():
            return False
        key = serialization.load_pem_public_key(account["public_key"].encode())
        key.verify(b64url_decode(sig), (head + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())
        return True
    except Exception:
        return False


def settle():
    """Ends the deployments whose time has come (under lock)."""
    now = time.time()
    for dep_id in list(deployments):
        d = deployments[dep_id]
        if d["ends"] is None or d["ends"] > now:
            continue
        del deployments[dep_id]
        app = apps.get(d["app"])
        if d["kind"] == "remove":
            apps.pop(d["app"], None)
        elif app is not None:
            if app.get("labels", {}).get("STANDIN_ROLLBACK") == "true" and d["app"] in previous:
                apps[d["app"]] = previous.pop(d["app"])
            else:
                app["tasksRunning"] = app["tasksHealthy"] = app.get("instances", 1)
                app["tasks"] = [{"id": "%s.%s" % (d["app"].strip("/").replace("/", "_"), uuid.uuid4()), "appId": d["app"],
                                 "host": "10.0.0.%d" % (i + 10), "slaveId": "standin-S%d" % i, "state": "TASK_RUNNING",
                                 "startedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())} for i in range(app["tasksRunning"])]


def start_deployment(app_id, kind, stuck=False):
    dep_id = str(uuid.uuid4())
    version = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime()) + "%03dZ" % (int(time.time() * 1000) % 1000)
    deployments[dep_id] = {"id": dep_id, "app": app_id, "kind": kind, "ends": None if stuck else time.time() + DEPLOY_SECONDS, "version": version}
    return dep_id, version


def locked(app_id):
    return [d["id"] for d in deployments.values() if d["app"] == app_id]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, status, body=None, kind="application/json", headers=()):
        data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", kind)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def html(self, status, title):
        self.send(status, ("<html><body><h1>%s</h1></body></html>" % title).encode(), "text/html",
                  [("WWW-Authenticate", "acsjwt")] if status == 401 else [])

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def uid(self):
        auth = self.headers.get("Authorization") or ""
        return tokens.get(auth[len("token="):]) if auth.startswith("token=") else None

    def handle_any(self, method):
        raw = self.path
        path, _, query = raw.partition("?")
        q = urllib.parse.parse_qs(query)
        log.append("%s %s" % (method, raw))
        payload = self.body()
        if path == "/_standin/log":
            return self.send(200, log)
        if path == "/_standin/forget-tokens":
            with lock:
                tokens.clear()
            return self.send(204)
        if path == "/acs/api/v1/auth/login" and method == "POST":
            try:
                login = json.loads(payload)
            except ValueError:
                return self.send(400, {"title": "Bad Request", "description": "Invalid JSON", "code": "ERR_INVALID_DATA"})
            uid = login.get("uid")
            with lock:
                ok = (login.get("password") is not None and passwords.get(uid) == login.get("password")) or \
                     (login.get("token") is not None and verify_login_token(uid, login["token"]))
                if not ok:
                    return self.send(401, {"title": "Unauthorized", "description": "Invalid credentials.", "code": "ERR_INVALID_CREDENTIALS"})
                return self.send(200, {"token": new_token(uid)})
        if path == "/_standin/failures":
            with lock:
                return self.send(200, list(failures))
        if path == "/_standin/fail" and method == "POST":
            with lock:
                failures.append(json.loads(payload))
            return self.send(204)
        uid = self.uid()
        if uid is None:
            return self.html(401, "401 Unauthorized")
        with lock:
            rule = next((f for f in failures if ("%s %s" % (method, raw)).startswith(f["match"])), None)
            if rule is not None:
                failures.remove(rule)
        if rule is not None:
            return self.fail(rule, payload)
        read_only = method == "GET" and path.startswith("/service/marathon/")
        if uid.startswith("viewer") and not read_only:
            return self.html(403, "403 Forbidden")
        with lock:
            settle()
            if path.startswith("/service/marathon/v2/"):
                return self.marathon(method, path[len("/service/marathon/v2"):], q, payload)
            if path.startswith("/secrets/v1/secret/default/"):
                return self.secret(method, urllib.parse.unquote(path[len("/secrets/v1/secret/default/"):]), q, payload)
            if path.startswith("/acs/api/v1/"):
                return self.iam(method, path[len("/acs/api/v1"):], payload)
            if path == "/package/install" and method == "POST":
                return self.package_install(payload)
        return self.html(404, "404 Not Found")

    def fail(self, rule, payload):
        """A 5xx (or any status) for one call, with a body a careless client would quote: the rule's text,
        the request's Authorization header and body echoed back. 502 is Admin Router's own HTML page."""
        echo = "%s Authorization: %s body: %s" % (rule.get("text", ""), self.headers.get("Authorization"), payload.decode("utf-8", "replace"))
        status = rule["status"]
        if status == 502:
            return self.send(502, ("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><pre>%s</pre></body></html>" % echo).encode(), "text/html")
        return self.send(status, {"message": echo, "description": echo, "title": echo, "code": echo})

    # Marathon ---------------------------------------------------------------------------------
    def app_view(self, app, tasks):
        view = {k: v for k, v in app.items() if k != "tasks" or tasks}
        view.setdefault("tasksRunning", 0)
        view.setdefault("tasksHealthy", 0)
        view["tasksStaged"] = 0
        view["deployments"] = [{"id": i} for i in locked(app["id"])]
        if tasks:
            view["tasks"] = app.get("tasks", [])
        else:
            view.pop("tasks", None)
        return view

    def marathon(self, method, path, q, payload):
        force = q.get("force", ["false"])[0] == "true"
        if path == "/deployments" and method == "GET":
            return self.send(200, [{"id": d["id"], "version": d["version"], "affectedApps": [d["app"]], "currentStep": 1, "totalSteps": 1,
                                    "currentActions": [{"action": {"remove": "StopApplication", "restart": "RestartApplication"}.get(d["kind"], "ScaleApplication"), "app": d["app"]}]}
                                   for d in deployments.values()])
        if path == "/apps" and method == "GET":
            tasks = "apps.tasks" in q.get("embed", [])
            return self.send(200, {"apps": [self.app_view(a, tasks) for a in apps.values()]})
        if not path.startswith("/apps/"):
            return self.send(404, {"message": "Not found"})
        app_id = path[len("/apps"):]
        action = None
        if app_id.endswith("/restart"):
            app_id, action = app_id[: -len("/restart")], "restart"
        if method == "GET" and action is None:
            if app_id not in apps:
                return self.send(404, {"message": "App '%s' does not exist" % app_id})
            return self.send(200, {"app": self.app_view(apps[app_id], "app.tasks" in q.get("embed", []))})
        if method == "PUT" and action is None:
            try:
                definition = json.loads(payload)
            except ValueError:
                return self.send(400, {"message": "Invalid JSON", "details": []})
            problems = []
            if definition.get("id", app_id) != app_id:
                problems.append({"path": "/id", "errors": ["id in the body must match the path"]})
            instances = definition.get("instances", 1)
            if not isinstance(instances, int) or instances < 0:
                problems.append({"path": "/instances", "errors": ["got %s, expected 0 or more" % json.dumps(instances)]})
            pull = ((definition.get("container") or {}).get("docker") or {}).get("pullConfig") or {}
            if "secret" in pull and pull["secret"] not in (definition.get("secrets") or {}):
                problems.append({"path": "/container/docker/pullConfig/secret", "errors": ["pullConfig.secret must refer to an existing secret"]})
            if problems:
                return self.send(422, {"message": "Object is not valid", "details": problems})
            if locked(app_id) and not force:
                return self.conflict(app_id)
            for dep in locked(app_id):
                del deployments[dep]
            existed = app_id in apps
            stuck = (definition.get("labels") or {}).get("STANDIN_STUCK") == "true"
            dep_id, version = start_deployment(app_id, "update", stuck)
            if existed:
                previous[app_id] = apps[app_id]
            app = dict(definition)
            app["id"] = app_id
            app.setdefault("instances", 1)
            app.setdefault("cpus", 1.0)
            app.setdefault("mem", 128.0)
            app.setdefault("labels", {})
            app.update({"version": version, "tasksRunning": 0, "tasksHealthy": 0, "tasks": []})
            apps[app_id] = app
            return self.send(200 if existed else 201, {"deploymentId": dep_id, "version": version},
                             headers=[("Marathon-Deployment-Id", dep_id)])
        if method == "DELETE" and action is None:
            if app_id not in apps:
                return self.send(404, {"message": "App '%s' does not exist" % app_id})
            for dep in locked(app_id):
                del deployments[dep]
            dep_id, version = start_deployment(app_id, "remove")
            return self.send(200, {"deploymentId": dep_id, "version": version})
        if method == "POST" and action == "restart":
            if app_id not in apps:
                return self.send(404, {"message": "App '%s' does not exist" % app_id})
            if locked(app_id) and not force:
                return self.conflict(app_id)
            for dep in locked(app_id):
                del deployments[dep]
            dep_id, version = start_deployment(app_id, "restart")
            previous.pop(app_id, None)
            apps[app_id]["version"] = version
            apps[app_id]["tasksRunning"] = apps[app_id]["tasksHealthy"] = 0
            return self.send(200, {"deploymentId": dep_id, "version": version})
        return self.send(405, {"message": "Method not allowed"})

    def conflict(self, app_id):
        ids = locked(app_id)
        return self.send(409, {"message": "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/%s'." % ids[0],
                               "deployments": [{"id": i} for i in ids]})

    # Cosmos -----------------------------------------------------------------------------------
    def package_error(self, status, kind, message, data=None):
        return self.send(status, {"type": kind, "message": message, "data": data or {}},
                         "application/vnd.dcos.package.error+json;charset=utf-8;version=v1")

    def package_install(self, payload):
        """POST /package/install for marathon-lb only (versions MLB_VERSIONS, options checked against a part of its
        config.json schema): the package becomes a Marathon app /<name> with a deployment, 409 when that app exists."""
        if "install-request+json" not in (self.headers.get("Content-Type") or ""):
            return self.package_error(415, "UnsupportedContentType", "Unsupported Content-Type")
        try:
            request = json.loads(payload)
        except ValueError:
            return self.package_error(400, "JsonParsingFailure", "Invalid JSON")
        name = request.get("packageName")
        version = request.get("packageVersion") or MLB_VERSIONS[0]
        if name != "marathon-lb":
            return self.package_error(400, "PackageNotFound", "Package [%s] not found" % name, {"packageName": name})
        if version not in MLB_VERSIONS:
            return self.package_error(400, "VersionNotFound", "Version [%s] of package [%s] not found" % (version, name))
        options = (request.get("options") or {}).get("marathon-lb", {})
        problems = ["%s: unknown option" % k for k in options if k not in MLB_OPTIONS]
        problems += ["%s: expected %s" % (k, getattr(MLB_OPTIONS[k], "__name__", "number")) for k in options if k in MLB_OPTIONS and not isinstance(options[k], MLB_OPTIONS[k])]
        if problems:
            return self.package_error(400, "JsonSchemaMismatch", "Options JSON failed validation",
                                      {"errors": [{"message": p} for p in problems]})
        app_id = "/" + options.get("name", "marathon-lb")
        if app_id in apps:
            return self.package_error(409, "PackageAlreadyInstalled", "Package is already installed")
        app = {"id": app_id, "instances": options.get("instances", 1), "cpus": options.get("cpus", 2), "mem": options.get("mem", 1024),
               "args": ["sse", "-m", options.get("marathon-uri", "http://marathon.mesos:8080"), "--group", options.get("haproxy-group", "external")],
               "labels": {"DCOS_PACKAGE_NAME": "marathon-lb", "DCOS_PACKAGE_VERSION": version, "DCOS_SERVICE_NAME": app_id.strip("/")},
               "container": {"type": "DOCKER", "docker": {"image": "mesosphere/marathon-lb:v%s" % version}}}
        if options.get("secret_name"):
            app["secrets"] = {"secret0": {"source": options["secret_name"]}}
            app["env"] = {"DCOS_SERVICE_ACCOUNT_CREDENTIAL": {"secret": "secret0"}}
        dep_id, app["version"] = start_deployment(app_id, "update")
        app.update({"tasksRunning": 0, "tasksHealthy": 0, "tasks": []})
        apps[app_id] = app
        return self.send(200, {"packageName": name, "packageVersion": version, "appId": app_id, "postInstallNotes": "Marathon-lb DC/OS Service has been successfully installed!"},
                         "application/vnd.dcos.package.install-response+json;charset=utf-8;version=v2")

    # Secrets ----------------------------------------------------------------------------------
    def secret(self, method, path, q, payload):
        if method == "GET" and q.get("list", ["false"])[0] == "true":
            prefix = path.strip("/") + "/" if path.strip("/") else ""
            return self.send(200, {"array": sorted(p[len(prefix):] for p in store if p.startswith(prefix))})
        not_found = {"title": "Not Found", "description": "Secret '%s' does not exist." % path}
        if method == "GET":
            if path not in store:
                return self.send(404, not_found)
            kind, value = store[path]
            accept = self.headers.get("Accept") or "*/*"
            if kind == "file":
                if "octet-stream" not in accept and "*/*" not in accept:
                    return self.send(400, {"title": "Bad Request", "description": "The secret is binary: ask for application/octet-stream."})
                return self.send(200, value, "application/octet-stream")
            return self.send(200, {"value": value.decode()})
        if method in ("PUT", "PATCH"):
            content_type = self.headers.get("Content-Type") or ""
            if "octet-stream" in content_type:
                entry = ("file", payload)
            else:
                try:
                    entry = ("text", json.loads(payload)["value"].encode())
                except (ValueError, KeyError, TypeError, AttributeError):
                    return self.send(400, {"title": "Bad Request", "description": "The body must be a Secret object with a value."})
            if method == "PUT":
                if path in store:
                    return self.send(409, {"title": "Conflict", "description": "Secret '%s' already exists." % path})
                store[path] = entry
                return self.send(201)
            if path not in store:
                return self.send(404, not_found)
            store[path] = entry
            return self.send(204)
        if method == "DELETE":
            if store.pop(path, None) is None:
                return self.send(404, not_found)
            return self.send(204)
        return self.send(405, {"title": "Method Not Allowed", "description": method})

    # IAM --------------------------------------------------------------------------------------
    def iam(self, method, path, payload):
        parts = path.strip("/").split("/")
        if parts[0] == "users" and len(parts) == 1 and method == "GET":
            # GET /users?type=service lists service accounts; without the type, users only (as IAM does).
            if self.path.partition("?")[2] == "type=service":
                return self.send(200, {"array": [self.account_view(u) for u in sorted(accounts)]})
            return self.send(200, {"array": [self.user_view(u) for u in sorted(passwords)]})
        if parts[0] == "users" and len(parts) == 2:
            uid = parts[1]
            if method == "GET":
                if uid in accounts:
                    return self.send(200, self.account_view(uid))
                if uid in passwords:
                    return self.send(200, self.user_view(uid))
                return self.send(404, {"title": "Not Found", "description": "User %s does not exist." % uid, "code": "ERR_UNKNOWN_USER_ID"})
            if method == "PUT":
                if uid in accounts or uid in passwords:
                    return self.send(409, {"title": "Conflict", "description": "User %s already exists." % uid, "code": "ERR_USER_EXISTS"})
                body = json.loads(payload)
                if not str(body.get("public_key", "")).startswith("-----BEGIN PUBLIC KEY-----"):
                    return self.send(400, {"title": "Bad Request", "description": "Invalid public key.", "code": "ERR_INVALID_PUBLIC_KEY"})
                accounts[uid] = {"description": body.get("description", ""), "public_key": body["public_key"]}
                return self.send(201)
            if method == "DELETE":
                if accounts.pop(uid, None) is None:
                    return self.send(404, {"title": "Not Found", "description": "User %s does not exist." % uid, "code": "ERR_UNKNOWN_USER_ID"})
                for acl in acls.values():
                    acl["grants"] = {g for g in acl["grants"] if g[0] != uid}
                return self.send(204)
        if parts[0] == "users" and len(parts) == 3 and parts[2] == "permissions" and method == "GET":
            uid = parts[1]
            if uid not in accounts and uid not in passwords:
                return self.send(400, {"title": "Bad Request", "description": "User %s does not exist." % uid, "code": "ERR_UNKNOWN_USER_ID"})
            direct = []
            for rid, acl in sorted(acls.items()):
                actions = sorted(a for (u, a) in acl["grants"] if u == uid)
                if actions:
                    direct.append({"rid": rid, "description": acl["description"], "aclurl": "/acls/" + rid.replace("/", "%252F"),
                                   "actions": [{"name": a, "url": "/acls/%s/users/%s/%s" % (rid.replace("/", "%252F"), uid, a)} for a in actions]})
            return self.send(200, {"direct": direct, "groups": []})
        if parts[0] == "acls" and len(parts) >= 2:
            if "%2F" in parts[1] or "%2f" in parts[1]:
                return self.send(400, {"title": "Bad Request", "description": "Invalid resource id.", "code": "ERR_INVALID_DATA"})
            rid = parts[1].replace("%252F", "/")
            if len(parts) == 2 and method == "PUT":
                if rid in acls:
                    return self.send(409, {"title": "Conflict", "description": "ACL for resource %s already exists." % rid, "code": "ERR_ACL_EXISTS"})
                acls[rid] = {"description": json.loads(payload).get("description", ""), "grants": set()}
                return self.send(201)
            if len(parts) == 5 and parts[2] == "users":
                uid, action = parts[3], parts[4]
                if rid not in acls:
                    return self.send(404, {"title": "Not Found", "description": "ACL for resource %s does not exist." % rid, "code": "ERR_UNKNOWN_RESOURCE_ID"})
                if uid not in accounts and uid not in passwords:
                    return self.send(400, {"title": "Bad Request", "description": "User %s does not exist." % uid, "code": "ERR_UNKNOWN_USER_ID"})
                if method == "PUT":
                    if (uid, action) in acls[rid]["grants"]:
                        return self.send(409, {"title": "Conflict", "description": "Already granted.", "code": "ERR_ACL_EXISTS"})
                    acls[rid]["grants"].add((uid, action))
                    return self.send(204)
                if method == "DELETE":
                    if (uid, action) not in acls[rid]["grants"]:
                        return self.send(404, {"title": "Not Found", "description": "Not granted.", "code": "ERR_UNKNOWN_PERMISSION"})
                    acls[rid]["grants"].discard((uid, action))
                    return self.send(204)
                if method == "GET":
                    return self.send(200, {"allowed": (uid, action) in acls[rid]["grants"]})
        return self.send(404, {"title": "Not Found", "description": "No such IAM path.", "code": "ERR_NOT_FOUND"})

    def account_view(self, uid):
        a = accounts[uid]
        return {"uid": uid, "url": "/acs/api/v1/users/" + uid, "description": a["description"], "is_remote": False, "is_service": True,
                "public_key": a["public_key"], "provider_type": "internal", "provider_id": ""}

    def user_view(self, uid):
        return {"uid": uid, "url": "/acs/api/v1/users/" + uid, "description": uid, "is_remote": False, "is_service": False,
                "provider_type": "internal", "provider_id": ""}

    def do_GET(self): self.handle_any("GET")
    def do_PUT(self): self.handle_any("PUT")
    def do_POST(self): self.handle_any("POST")
    def do_PATCH(self): self.handle_any("PATCH")
    def do_DELETE(self): self.handle_any("DELETE")

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert_file, key_file)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
