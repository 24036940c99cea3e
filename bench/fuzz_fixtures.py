"""Creates the data bench/fuzz.sh fuzzes with, over the API, and writes schemathesis's
configuration for its two runs. Standard library only.

    python3 bench/fuzz_fixtures.py BASE_URL OUT_DIR   (tokens in FUZZ_TOKEN, FUZZ_FRIEND_TOKEN,
                                                       FUZZ_LEAVER_TOKEN)

Three users: `fuzzer` (the signed-in run's caller) owns one resource of each kind, a shelf
with a book, share links and an invitation to `fuzzfriend`; `fuzzfriend` owns public things
of every kind and a share link, which the signed-in run cannot change and the anonymous run
reads; `fuzzleaver` exists to be deleted by DELETE /api/auth/profile. Every operation gets
the ids, usernames and tokens that lead to its success path (schemathesis's
`[[operations]]` parameters), chosen from its path in /openapi.json, so no operation is left
guessing random ids; writes that destroy a thing (DELETE of a resource, of a link, of an
invitation, of the account) get one made for them.

Writes OUT_DIR/signed-in.toml and OUT_DIR/anonymous.toml, and OUT_DIR/anonymous.ops: the
operationIds that allow anonymous callers (a `{}` security alternative, or none required),
for the anonymous run's filter.
"""

import json
import os
import sys
import urllib.error
import urllib.request

BASE, OUT = sys.argv[1], sys.argv[2]
TOKEN = os.environ["FUZZ_TOKEN"]
FRIEND_TOKEN = os.environ["FUZZ_FRIEND_TOKEN"]
LEAVER_TOKEN = os.environ["FUZZ_LEAVER_TOKEN"]
KINDS = {"sessions": "session", "shelves": "shelf", "books": "book", "plans": "plan"}
TRACK = "Spa"


def call(method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        sys.exit(f"fuzz fixtures: {method} {path} answered {e.code}: {e.read().decode()[:300]}")


def create(token, plural, body, parent=None):
    path = f"/api/shelves/{parent}/books" if plural == "books" else f"/api/{plural}"
    return call("POST", path, token, body)["data"]["id"]


def bodies(name):
    return {
        "sessions": {"track": TRACK, "title": name, "visibility": "public"},
        "shelves": {"name": name, "visibility": "public"},
        "books": {"isbn13": "9780306406157", "title": name, "visibility": "public"},
        "plans": {"title": name, "filename": f"{name}.md", "content": "c", "visibility": "public"},
    }


def own_things(token, name):
    """One public resource of each kind (the book on the shelf)."""
    made = {}
    for plural, body in bodies(name).items():
        made[plural] = create(token, plural, body, parent=made.get("shelves"))
    return made


for token, username in ((TOKEN, "fuzzer"), (FRIEND_TOKEN, "fuzzfriend"), (LEAVER_TOKEN, "fuzzleaver")):
    call("POST", "/api/auth/profile", token, {"username": username})
friend_id = call("GET", "/api/auth/profile", FRIEND_TOKEN)["data"]["id"]

mine = own_things(TOKEN, "fuzzed")
doomed = own_things(TOKEN, "doomed")  # for DELETE /api/{kind}/{id}
friends = own_things(FRIEND_TOKEN, "friendly")
revocable, readable = {}, {}
for plural, resource in mine.items():
    # A link for DELETE …/shares/{share_id}, another one to read through, an invitation for
    # DELETE …/access/{user_id}.
    revocable[plural] = call("POST", f"/api/{plural}/{resource}/shares", TOKEN, {})["data"]
    readable[plural] = call("POST", f"/api/{plural}/{resource}/shares", TOKEN, {})["data"]
    call("POST", f"/api/{plural}/{resource}/access", TOKEN, {"username": "fuzzfriend"})
# The anonymous run (and the signed-in run's /shared/{token}) reads through a link the signed-in
# run cannot revoke or regenerate: the friend's.
friend_link = call("POST", f"/api/sessions/{friends['sessions']}/shares", FRIEND_TOKEN, {})["data"]
friend_plan_link = call("POST", f"/api/plans/{friends['plans']}/shares", FRIEND_TOKEN, {})["data"]
# The friend invites the fuzzer, so shared-with-me has something in it.
call("POST", f"/api/plans/{friends['plans']}/access", FRIEND_TOKEN, {"username": "fuzzer"})

document = call("GET", "/openapi.json")


def operations():
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def parameters_for(method, path, operation, anonymous):
    """The values that lead this operation to success, by the names in its path."""
    segments = path.strip("/").split("/")
    names = {p["name"]: p["in"] for p in operation.get("parameters", [])}
    values = {}
    plural = segments[1] if len(segments) > 1 and segments[0] == "api" else None
    if segments[0] == "plans":  # the shared page of a plan, /plans/{id}
        plural = "plans"
    owner = friends if anonymous else mine
    if "id" in names and plural in KINDS:
        if method == "DELETE" and len(segments) == 3 and not anonymous:
            values["path.id"] = doomed[plural]
        else:
            values["path.id"] = owner[plural]
    if "share_id" in names:
        values["path.share_id"] = revocable[plural]["id"]
    if "user_id" in names:
        values["path.user_id"] = friend_id
    if "token" in names and names["token"] == "path":
        values["path.token"] = friend_link["token"]
    if "username" in names:
        # The friend's username: the signed-in run cannot change it (nor delete the friend).
        values["path.username"] = "fuzzfriend"
    if segments[0] == "plans":  # a plan's page, read through the friend's link (which stays on)
        values["path.id"] = friends["plans"]
        values["query.token"] = friend_plan_link["token"]
    if "track" in names:
        values["path.track"] = TRACK
    body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema", {})
    properties = body.get("properties", {})
    if "username" in properties and path.endswith("/access"):
        values["body.username"] = "fuzzfriend"  # an invitation needs a user who exists
    if "username" in properties and path == "/api/auth/profile" and method == "PATCH":
        values["body.username"] = "fuzzer"  # permanent: a PATCH may only repeat it
    if "confirm" in properties:
        values["body.confirm"] = "fuzzleaver"
    return values


def allows_anonymous(operation):
    security = operation.get("security", [])
    return security == [] or {} in security


def expected_statuses(operation, values):
    """What positive_data_acceptance accepts besides its defaults, and only where the reason holds
    (a rule no schema can state):
    - 400 with a cursor: one that no list handed out (INVALID_CURSOR; a cursor is opaque, and
      one list's is not another's);
    - 400 with an `expires_at`: a time already past ("must be in the future");
    - 400 with an `isbn13`: a wrong ISBN-13 check digit (INVALID_ISBN);
    - 400 with a PATCHed `username`: it is permanent, so only the caller's own is accepted. The
      fixtures pass it (a body parameter), but schemathesis 4.32.5 applies body parameters only
      to generated cases, not to its coverage phase's;
    - 412 with If-Match: an ETag the resource no longer has (the header's purpose; every
      accepted write changes the ETag)."""
    names = {p["name"] for p in operation.get("parameters", [])}
    body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema", {})
    fields = set(body.get("properties", {}))
    extra = []
    if "cursor" in names or fields & {"expires_at", "isbn13"} or values.get("body.username") == "fuzzer":
        extra.append("400")
    if "If-Match" in names:
        extra.append("412")
    if not extra:
        return None
    return ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", *extra]


def toml(value):
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return json.dumps(value)


def config(anonymous):
    lines = []
    if not anonymous:
        lines += ["[headers]", f"Authorization = {toml('Bearer ' + TOKEN)}", ""]
    for method, path, operation in operations():
        if anonymous and not allows_anonymous(operation):
            continue
        settings = {}
        values = parameters_for(method, path, operation, anonymous)
        if values:
            settings["parameters"] = values
        if "body.confirm" in values:
            # The leaver deletes their account once; then the token has no profile (404). The
            # coverage phase would send other names (schemathesis 4.32.5 does not apply body
            # parameters there), which only test the refusal tests/api/leaving.rs covers.
            settings["headers"] = {"Authorization": f"Bearer {LEAVER_TOKEN}"}
            settings["phases"] = {"coverage": {"enabled": False}}
        checks = {}
        statuses = expected_statuses(operation, values)
        if statuses:
            checks["positive_data_acceptance"] = {"expected-statuses": statuses}
        if {"path.user_id", "path.share_id"} & set(values):
            # The stateful phase sends a resource it just created here, with the fixtures'
            # invitee or link: the 404 names the invitation or link, which that resource does not
            # have, not the resource (ensure_resource_availability would call it missing).
            checks["ensure_resource_availability"] = {"enabled": False}
        if checks:
            settings["checks"] = checks
        if not settings:
            continue
        lines.append("[[operations]]")
        lines.append(f"include-operation-id = {toml(operation['operationId'])}")
        lines += [f"{key} = {toml(value)}" for key, value in settings.items()]
        lines.append("")
    return "\n".join(lines)


with open(os.path.join(OUT, "signed-in.toml"), "w") as f:
    f.write(config(anonymous=False))
with open(os.path.join(OUT, "anonymous.toml"), "w") as f:
    f.write(config(anonymous=True))
with open(os.path.join(OUT, "anonymous.ops"), "w") as f:
    f.write("\n".join(op["operationId"] for _, _, op in operations() if allows_anonymous(op)) + "\n")
