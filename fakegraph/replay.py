"""The replay harness: every documented example request of a pack, sent to a running fake, each answer
sorted into one class. It measures how much of the documentation the engine serves as documented.

An example's `{placeholder}` path segments are bound to the first object the fake lists in the collection
above them (so `/users/{id}/messages` reads a user that exists); its marked placeholder values are replaced
by valid samples, as the compiler recorded them.

Each example starts from the fake's dataset (a reset through the control plane before it) unless asked to
keep state.

Classes, in the order a result is tested for them:
    documented   the documented status, and every key the documented body shows
    doc-defect   not as documented, and the answer is what the example's own defect makes it: a request
                 body that is not JSON (400), a status other than its page's (the page's), a required
                 parameter left out (400), a Graph-issued token (400), a `{placeholder}` object in its path
                 or link body that the tenant cannot hold (404), properties its type does not declare, a
                 204 shown with a body, objects without ids, a create of an id other examples show; never
                 an unrouted path
    other-2xx    a success that differs from the documentation (status or keys)
    404          the object or collection is not in the fake
    unrouted     the path or method is not served (400 "Resource not found for the segment", 405, 501)
    other-4xx    the fake refused the request
    5xx          a server error (a bug)
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakegraph.artifacts.contract import VERSIONS, JSONObject
from fakegraph.artifacts.placeholders import substitute

CLASSES = ("documented", "doc-defect", "other-2xx", "404", "unrouted", "other-4xx", "5xx")
_PLACEHOLDER = re.compile(r"^\{[^}]*\}$")
_UNROUTED = "Resource not found for the segment"


@dataclass(frozen=True)
class Example:
    """One documented request and what the page says it answers."""

    version: str
    name: str
    method: str
    path: str
    body: Any  # None: no body
    headers: tuple[tuple[str, str], ...]
    status: int
    keys: frozenset[str]  # the documented body's keys (of its first `value` item for collections)
    defect: str = ""  # why the example cannot be answered as documented ("" when it can)
    undeclared: frozenset[str] = frozenset()  # documented keys its type (or a type deriving from it) lacks
    explains: tuple[int, ...] = ()  # the answer statuses its defect explains (other answers are the fake's)
    chosen_id: str | None = None  # the id its create body chooses as documented (not a placeholder)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or None
    text: str


@dataclass(frozen=True)
class Result:
    example: Example
    path: str  # as sent, placeholders bound
    status: int
    outcome: str
    detail: str


def documented_keys(body: Any) -> frozenset[str]:
    """The keys a documented answer shows: its own, or its first item's for a collection."""
    if not isinstance(body, dict):
        return frozenset()
    value = body.get("value")
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return frozenset(value[0])
    return frozenset(k for k in body if not k.startswith("@odata.context"))


def examples_of(pack: Path) -> Iterator[Example]:
    """Every example fixture of a pack, both versions, in file order."""
    for version in VERSIONS:
        folder = pack / "fixtures" / version / "examples"
        operations = _operations(pack, version)
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            fixture = json.loads(path.read_text(encoding="utf-8"))
            request, response = fixture.get("request") or {}, fixture.get("response") or {}
            if not request.get("method") or not request.get("path") or not response.get("status"):
                continue  # a page without a request or a response example: nothing to compare
            operation = operations.get(str(fixture.get("operation")))
            keys = documented_keys(substitute(response["body"], response.get("marks", [])))
            defect, explains = _defect(request, int(response["status"]), operation)
            body = request["body"]
            if body is not None and request.get("marks"):
                body = substitute(body, request["marks"])
            if _marked_id(request) and isinstance(body, dict):  # "any id": the fake chooses one
                body = {k: v for k, v in body.items() if k != "id"}
            yield Example(
                version=version,
                name=path.stem,
                method=str(request["method"]).upper(),
                path=_with_query(str(request["path"]), str(request.get("url") or "")),
                body=body,
                headers=tuple((str(k), str(v)) for k, v in request.get("headers", [])),
                status=int(response["status"]),
                keys=keys,
                defect=defect,
                undeclared=_undeclared(pack, version, response, keys),
                explains=explains,
                chosen_id=_chosen_id(request),
            )


def _undeclared(pack: Path, version: str, response: JSONObject, keys: frozenset[str]) -> frozenset[str]:
    """The documented keys (annotations aside) that the answer's type does not declare, nor any type
    deriving from it: properties its example shows and its resource page leaves out."""
    schema = response.get("schema")
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(schema, dict) and ref is None:
        items = (schema.get("properties") or {}).get("value", {}).get("items", {})
        ref = items.get("$ref") if isinstance(items, dict) else None
    if not isinstance(ref, str) or not ref.startswith("urn:fakegraph:schemas:"):
        return frozenset()
    declared: set[str] = set()
    pending, seen = [ref.rsplit(":", 1)[-1]], set()
    while pending:
        name = pending.pop()
        path = pack / "schemas" / version / f"{name}.json"
        if name in seen or not path.is_file():
            continue
        seen.add(name)
        found = json.loads(path.read_text(encoding="utf-8"))
        declared.update(found.get("properties") or {})
        pending.extend(found.get("x-graph", {}).get("derivedTypes", []))
    if not seen:
        return frozenset()
    return frozenset(k for k in keys if "@" not in k and k not in declared)


def _with_query(path: str, url: str) -> str:
    """The documented path with the documented URL's query (`?$expand=members`), which the page's example
    sends as part of the request."""
    query = urllib.parse.urlsplit(url).query
    return f"{path}?{query}" if query and "?" not in path else path


def _operations(pack: Path, version: str) -> dict[str, JSONObject]:
    """The pack's operation entries of a version, by name (empty where it has none)."""
    path = pack / "fixtures" / version / "operations.json"
    if not path.is_file():
        return {}
    return {str(e["name"]): e for e in json.loads(path.read_text(encoding="utf-8"))["operations"]}


def _defect(request: JSONObject, status: int, operation: JSONObject | None) -> tuple[str, tuple[int, ...]]:
    """What in an example contradicts its own page (the compiler reports each), and the answer statuses
    that contradiction explains: a request body that is not JSON (a 400), a link body naming its object by
    a placeholder (400, 404), a paging token Graph issued (400), a status other than the page's (the page's
    status), a required function parameter left out (400)."""
    if request.get("body") is not None and not request.get("bodyIsJson", True):
        return "its request body is not JSON", (400,)
    body = request.get("body")
    fields = body.items() if isinstance(body, dict) else ()
    named = [v for k, v in fields if k.endswith(("@odata.id", "@odata.bind"))]
    if any(isinstance(v, str) and "{" in v for v in named):
        return "its request body names the object to link by a {placeholder}", (400, 404)
    query = urllib.parse.urlsplit(str(request.get("url") or "")).query
    tokens = [n for n, _ in urllib.parse.parse_qsl(query) if n.lower() in {"$skiptoken", "$deltatoken"}]
    if tokens:
        return f"it sends a {tokens[0]} Graph issued, which only the server that issued it can read", (400,)
    if operation is None:
        return "", ()
    if operation.get("kind") == "update" and request.get("body") is None:
        return "its update sends no body", (400, 415)
    documented = operation.get("successStatus")
    if isinstance(documented, int) and documented != status and 200 <= status < 300:
        return f"its status {status} contradicts its page's {documented}", (documented,)
    path = str(request.get("path", "")).lower()
    for parameter in operation.get("parameters") or []:
        if f"{str(parameter['name']).lower()}=" not in path:
            return f"it leaves out the parameter '{parameter['name']}' its page requires", (400,)
    return "", ()


def _marked_id(request: JSONObject) -> bool:
    """Whether the request body's `id` is a placeholder (`"id": "id-value"`): it names no particular id."""
    return any(m.get("pointer") == "/id" for m in request.get("marks") or [] if isinstance(m, dict))


def _chosen_id(request: JSONObject) -> str | None:
    """The id a documented create body chooses, unless it is a placeholder."""
    body = request.get("body")
    chosen = body.get("id") if isinstance(body, dict) else None
    return chosen if isinstance(chosen, str) and not _marked_id(request) else None


def classify(
    example: Example, answer: Answer, *, unbound: bool = False, bound: bool = False
) -> tuple[str, str]:
    """The class of an answer, and a short reason for anything not documented. `unbound`: the path sent
    still names a `{placeholder}` (the fake held no object to bind it to); `bound`: the example named an
    object by a placeholder, and the harness chose one."""
    status = answer.status
    if status >= 500:
        return "5xx", _message(answer)
    answered = documented_keys(answer.body) if answer.body is not None else frozenset()
    missing = example.keys - answered - {"@odata.context"}
    if 200 <= status < 300 and status == example.status and not missing:
        return "documented", ""
    if 200 <= status < 300 and status == example.status and missing <= example.undeclared:
        return "doc-defect", f"its answer shows properties its type does not declare: {sorted(missing)[:5]}"
    message = _message(answer)
    if status in {405, 501} or (status == 400 and _UNROUTED in message):
        return "unrouted", message  # whatever the example's defects, the fake does not serve the path
    reason = _explained(example, answer, message, unbound=unbound, bound=bound)
    if reason:
        return "doc-defect", reason
    if 200 <= status < 300:
        why = f"status {status}, documented {example.status}" if status != example.status else ""
        return "other-2xx", why or f"missing keys {sorted(missing)[:5]}"
    if status == 404:
        return "404", message
    return "other-4xx", message


def _explained(example: Example, answer: Answer, message: str, *, unbound: bool, bound: bool) -> str:
    """Why the answer is what the example's own defect makes it ("" when it is not): see `classify`."""
    status = answer.status
    if example.defect and status in example.explains:
        return example.defect
    if example.status == 204 and example.keys and status == 204:
        return "its 204 No Content answer shows a body"
    if unbound and (status == 404 or (status == 400 and "'{" in message)):
        return "its path names a {placeholder} the fake holds nothing to bind to"
    if status == 400 and example.method == "PATCH" and "is read-only and cannot be set" in message:
        return "it updates a property its resource page marks read-only"
    value = answer.body.get("value") if isinstance(answer.body, dict) else None
    if example.keys and "id" not in example.keys and value == []:
        return "its documented answer lists objects without ids, which no tenant can hold"
    chosen = example.chosen_id
    if status == 409 and example.method == "POST" and chosen is not None:
        return f"its create chooses the id '{chosen[:40]}', which other examples show existing"
    if example.keys and bound and value == []:
        return "its path names its parent by a {placeholder}: its list belongs to no object"
    return ""


def _message(answer: Answer) -> str:
    if isinstance(answer.body, dict) and isinstance(answer.body.get("error"), dict):
        return str(answer.body["error"].get("message", ""))[:200]
    return answer.text[:200]


class Client:
    """Plain HTTP to the fake under test (a bearer token, JSON bodies)."""

    def __init__(self, base_url: str, timeout: float = 30.0, admin_token: str | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.admin_token = admin_token

    def reset(self) -> None:
        """Back to the fake's dataset (the sample tenant), through its control plane."""
        headers = {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}
        request = urllib.request.Request(f"{self.base}/_fakegraph/reset", data=b"", headers=headers)
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()

    def send(
        self, method: str, path: str, body: Any = None, headers: Iterable[tuple[str, str]] = ()
    ) -> Answer:
        # The documented Content-Length is of the documented body, not of the one sent: urllib counts.
        given = {k: v for k, v in headers if k.lower() not in {"authorization", "content-length"}}
        sent = {"Authorization": "Bearer replay", **given}
        data = None
        if body is not None:
            data = (json.dumps(body) if not isinstance(body, str) else body).encode("utf-8")
            if not any(k.lower() == "content-type" for k in sent):
                sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + _quoted(path), data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            return _answer(error.code, error.read())


def _answer(status: int, raw: bytes) -> Answer:
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = None
    return Answer(status, body, text)


def _quoted(path: str) -> str:
    return urllib.parse.quote(path, safe="/$',()=:@!*+;&?%-._~")


class Binder:
    """Binds `{placeholder}` segments to objects the fake holds: the first one its parent collection lists."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._first: dict[str, str | None] = {}

    def bind(self, version: str, path: str) -> str:
        head, sep, query = path.partition("?")
        segments = head.split("/")
        for index, segment in enumerate(segments):
            if _PLACEHOLDER.match(segment):
                parent = "/".join(segments[:index])
                key = self._first_id(f"/{version}{parent}")
                if key is not None:
                    segments[index] = urllib.parse.quote(key, safe="")
        return "/".join(segments) + sep + query

    def _first_id(self, collection: str) -> str | None:
        if collection not in self._first:
            answer = self.client.send("GET", collection)  # not $top=1: not every list takes it
            found = answer.body.get("value") if isinstance(answer.body, dict) else None
            first = found[0] if isinstance(found, list) and found and isinstance(found[0], dict) else {}
            self._first[collection] = str(first["id"]) if "id" in first else None
        return self._first[collection]


def replay(examples: Iterable[Example], client: Client, *, reset: bool = True) -> list[Result]:
    """Each example's answer, classified. With `reset`, each example starts from the fake's dataset, as
    each documented example assumes the tenant it shows (a documented delete does not remove the object a
    later page's example reads)."""
    binder = Binder(client)
    results = []
    for example in examples:
        if reset:
            client.reset()
        path = binder.bind(example.version, example.path)
        answer = client.send(example.method, f"/{example.version}{path}", example.body, example.headers)
        unbound = "{" in path.partition("?")[0]
        bound = not unbound and "{" in example.path.partition("?")[0]
        outcome, detail = classify(example, answer, unbound=unbound, bound=bound)
        results.append(Result(example, path, answer.status, outcome, detail))
    return results


def table(results: list[Result]) -> str:
    """The classes with counts and shares, one line each, then the total."""
    counts = Counter(r.outcome for r in results)
    total = len(results)
    lines = [f"{'class':12s} {'examples':>8s} {'share':>7s}"]
    for name in CLASSES:
        share = f"{100 * counts[name] / total:.1f}%" if total else "n/a"
        lines.append(f"{name:12s} {counts[name]:8d} {share:>7s}")
    lines.append(f"{'total':12s} {total:8d}")
    replayable = total - counts["doc-defect"]
    if replayable:
        clean = 100 * counts["documented"] / replayable
        lines.append(f"documented of the {replayable} examples without a doc defect: {clean:.1f}%")
    return "\n".join(lines)


def as_json(results: list[Result]) -> list[JSONObject]:
    return [
        {
            "example": r.example.name,
            "version": r.example.version,
            "method": r.example.method,
            "path": r.path,
            "documentedStatus": r.example.status,
            "status": r.status,
            "class": r.outcome,
            "detail": r.detail,
        }
        for r in results
    ]
