"""Serving any compiled pack: `--data DIR` (FAKEGRAPH_DATA, `FakeGraph(data=...)`, the pytest marker), on
the project's own sample pack (tests/data/compiled), and a clear one-line refusal of a folder without one."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from fakegraph.cli import main
from fakegraph.http.state import build_state
from fakegraph.model.settings import Settings
from fakegraph.server import FakeGraph
from tests.conftest import DATA

SAMPLE = DATA / "compiled"
AUTH = {"Authorization": "Bearer t"}


def _get(url: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, headers=AUTH)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_fakegraph_serves_the_pack_it_is_given():
    """`FakeGraph(data=DIR)` answers the routes of that pack, and not those of the shipped one."""
    with FakeGraph(data=str(SAMPLE), dataset="empty") as graph:
        status, body = _get(graph.beta_url + "/gadgets/usages")
        assert (status, body["value"]) == (200, [])
        status, body = _get(graph.beta_url + "/reports/userCredentialUsageDetails")
        assert status == 400
        assert "Resource not found for the segment 'reports'" in str(body)


def test_serve_data_flag_serves_a_pack():
    """`fakegraph serve --data DIR` serves that pack, its default dataset the sample tenant: the objects of
    its documented example responses."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    command = [sys.executable, "-m", "fakegraph", "serve", "--port", str(port), "--data", str(SAMPLE)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith("fakegraph serving")
            status, body = _get(f"http://127.0.0.1:{port}/beta/fleet/gadgetFleetSummaries")
            assert status == 200
            assert [(s["id"], s["region"]) for s in body["value"]] == [("f1", "north")]
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.parametrize("command", ["serve", "routes", "openapi", "dataset"])
def test_a_folder_without_a_pack_is_one_line_and_exit_2(tmp_path, capsys, command):
    """Every command that reads a pack refuses a folder without one, in one line naming the folder."""
    extra = ["--out", str(tmp_path / "out.json")] if command == "dataset" else []
    assert main([command, "--data", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(tmp_path) in err
    assert "fakegraph compile" in err


def test_routes_and_openapi_describe_the_given_pack(tmp_path, capsys):
    """`routes --data` and `openapi --data` list that pack's paths."""
    assert main(["routes", "--data", str(SAMPLE)]) == 0
    listed = capsys.readouterr().out
    assert "/beta/gadgets/usages" in listed
    assert "credentialUsage" not in listed
    out = tmp_path / "openapi.json"
    assert main(["openapi", "--data", str(SAMPLE), "--out", str(out)]) == 0
    assert "/gadgets/usages" in json.loads(out.read_text())["paths"]


def test_fakegraph_data_environment_variable_names_the_pack(monkeypatch):
    """FAKEGRAPH_DATA is read like every other setting."""
    monkeypatch.setenv("FAKEGRAPH_DATA", str(SAMPLE))
    assert Settings.from_env({"FAKEGRAPH_DATA": str(SAMPLE)}).data == SAMPLE
    assert Settings(data=str(SAMPLE)).data == Path(SAMPLE)  # type: ignore[arg-type]


def test_reload_to_another_pack_and_back():
    """A marker's settings may name another pack: the state serves it for that test and then returns."""
    state = build_state(Settings())
    original = state.settings
    state.reload(Settings(data=SAMPLE, dataset="empty"))
    assert state.router.resolve("beta", ["gadgets", "usages"]).route.endpoints["GET"].kind == "list"
    state.reload(original)
    assert state.router.resolve("beta", ["reports", "userCredentialUsageDetails"]).route.endpoints
    assert len(state.store.dump()["microsoft.graph.userCredentialUsageDetails"]) == 240


def test_route_templates_compile_whatever_their_parameter_names(tmp_path):
    """Parameter names that are no Python identifier (`{search-text}`, `{Parameter 1}`) still route."""
    ops = json.loads((SAMPLE / "fixtures" / "beta" / "operations.json").read_text())
    function = next(o for o in ops["operations"] if o["kind"] == "function" and o["parameters"])
    function["paths"] = ["/gadgets/search(q='{search-text}',n={Parameter 1})"]
    function["parameters"] = [
        {"allowedValues": [], "caseInsensitive": False, "name": "search-text", "type": "String"},
        {"allowedValues": [], "caseInsensitive": False, "name": "Parameter 1", "type": "Int32"},
    ]
    pack = tmp_path / "pack"
    (pack / "fixtures" / "beta").mkdir(parents=True)
    (pack / "fixtures" / "beta" / "operations.json").write_text(json.dumps(ops))
    (pack / "schemas").symlink_to(SAMPLE / "schemas")
    state = build_state(Settings(data=pack, dataset="empty"))
    target = state.router.resolve("beta", ["gadgets", "search(q='lamp',n=3)"])
    assert target.params == {"search-text": "lamp", "Parameter 1": "3"}


def test_a_function_parameter_is_found_by_its_argument_name_or_its_placeholder(tmp_path):
    """The page names the parameter `q`, its path `search(q='{search-text}')`: a call with `q` is served,
    and one without the argument is refused naming `q`."""
    ops = json.loads((SAMPLE / "fixtures" / "beta" / "operations.json").read_text())
    function = next(o for o in ops["operations"] if o["kind"] == "function" and o["parameters"])
    function["paths"] = [
        "/gadgets/search(q='{search-text}')",
        "/gadgets/search(q=microsoft.graph.kind'{k}')",
        "/gadgets/lookup(q='desk')",  # the argument written as a literal, as some pages document it
    ]
    function["parameters"] = [
        {"allowedValues": ["lamp", "desk"], "caseInsensitive": False, "name": "q", "type": "String"}
    ]
    function["examples"] = []
    pack = tmp_path / "pack"
    (pack / "fixtures" / "beta").mkdir(parents=True)
    (pack / "fixtures" / "beta" / "operations.json").write_text(json.dumps(ops))
    (pack / "schemas").symlink_to(SAMPLE / "schemas")
    with FakeGraph(data=pack, dataset="empty") as graph:
        request = urllib.request.Request(
            graph.beta_url + "/gadgets/search(q='lamp')", headers={"Authorization": "Bearer x"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == function["successStatus"]
        for call in ("/gadgets/lookup(q='desk')", "/gadgets/lookup(q='desk')?$top=1"):
            fixed = urllib.request.Request(graph.beta_url + call, headers={"Authorization": "Bearer x"})
            with urllib.request.urlopen(fixed) as r:
                assert r.status == function["successStatus"]
        literal = graph.beta_url + "/gadgets/search(q=microsoft.graph.kind'desk')"  # an enum literal's member
        with urllib.request.urlopen(
            urllib.request.Request(literal, headers={"Authorization": "Bearer x"})
        ) as r:
            assert r.status == function["successStatus"]
        graph.check()


def test_replay_harness_classifies_every_example_of_the_sample_pack(tmp_path, capsys):
    """`fakegraph replay` sends each documented example of a pack to a running fake serving it and sorts
    every answer into one class; the sample pack's are all answered, none with a server error."""
    from fakegraph import replay

    with FakeGraph(data=SAMPLE, dataset="empty") as graph:
        out = tmp_path / "results.json"
        status = main(["replay", "--data", str(SAMPLE), "--url", graph.url, "--json", str(out)])
        graph.check()
    printed = capsys.readouterr().out.splitlines()
    assert status == 0
    assert printed[0].split() == ["class", "examples", "share"]
    rows = printed[1 : len(replay.CLASSES) + 2]
    assert [line.split()[0] for line in rows] == [*replay.CLASSES, "total"]
    assert printed[-1].startswith("documented of the ")
    results = json.loads(out.read_text())
    examples = list(replay.examples_of(SAMPLE))
    assert len(results) == len(examples) == int(rows[-1].split()[1]) > 0
    assert {r["class"] for r in results} <= set(replay.CLASSES)
    assert not [r for r in results if r["class"] == "5xx"]
    assert any(r["class"] == "documented" for r in results)


def test_replay_classes_follow_status_and_documented_keys():
    """The classes: documented status and keys; other successes; 404; unrouted; other 4xx; 5xx."""
    from fakegraph.replay import Answer, Example, classify

    example = Example("beta", "x", "GET", "/a", None, (), 200, frozenset({"id", "name"}))

    def cls(status: int, body: object) -> str:
        return classify(example, Answer(status, body, json.dumps(body)))[0]

    assert cls(200, {"value": [{"id": "1", "name": "n", "more": 1}]}) == "documented"
    assert cls(200, {"id": "1"}) == "other-2xx"
    assert cls(201, {"id": "1", "name": "n"}) == "other-2xx"
    assert cls(404, {"error": {"message": "Resource 'x' does not exist"}}) == "404"
    assert cls(400, {"error": {"message": "Resource not found for the segment 'a'."}}) == "unrouted"
    assert cls(405, {"error": {"message": "Specified HTTP method is not allowed"}}) == "unrouted"
    assert cls(400, {"error": {"message": "Invalid value"}}) == "other-4xx"
    assert cls(500, {"error": {"message": "boom"}}) == "5xx"
    broken = Example(
        "beta",
        "x",
        "POST",
        "/a",
        "{bad",
        (),
        201,
        frozenset(),
        "its request body is not JSON",
        explains=(400,),
    )
    refused = Answer(400, {"error": {"message": "not valid JSON"}}, "")
    assert classify(broken, refused) == ("doc-defect", "its request body is not JSON")
    assert classify(broken, Answer(201, {}, "{}"))[0] == "documented"  # answered as documented all the same
    # a defect explains only the answer it causes: an unsupported media type is the fake's own
    assert classify(broken, Answer(415, {"error": {"message": "Content-Type"}}, ""))[0] == "other-4xx"
    unrouted = Answer(400, {"error": {"message": "Resource not found for the segment 'x'."}}, "")
    assert classify(broken, unrouted)[0] == "unrouted"
    unbound = classify(example, Answer(404, {"error": {"message": "Resource '{id}'"}}, ""), unbound=True)
    assert unbound[0] == "doc-defect"
    assert (
        classify(example, Answer(405, {"error": {"message": "not allowed"}}, ""), unbound=True)[0]
        == "unrouted"
    )
    assert classify(example, Answer(500, None, "boom"), unbound=True)[0] == "5xx"


def test_replay_finds_the_defects_of_an_example_in_its_own_page():
    from fakegraph.replay import _defect

    operation = {"successStatus": 201, "parameters": [{"name": "period"}]}
    assert _defect({"body": "x", "bodyIsJson": False}, 201, None) == ("its request body is not JSON", (400,))
    text, explains = _defect({"body": {}, "bodyIsJson": True}, 200, operation)
    assert ("contradicts its page's 201" in text, explains) == (True, (201,))
    assert "'period'" in _defect({"path": "/reports/f()"}, 201, operation)[0]
    assert _defect({"path": "/reports/f(period='D7')"}, 201, operation) == ("", ())
    placeholder = {"path": "/g/members/$ref", "body": {"@odata.id": "https://x/v1.0/directoryObjects/{id}"}}
    assert "{placeholder}" in _defect(placeholder, 204, None)[0]
    assert _defect({"method": "PATCH", "body": None}, 204, {"kind": "update"}) == (
        "its update sends no body",
        (400, 415),
    )
    issued = {"path": "/m/delta", "url": "https://x/v1.0/m/delta?$deltatoken=abc"}
    assert "$deltatoken Graph issued" in _defect(issued, 200, None)[0]


def test_an_empty_answer_to_a_documented_list_of_objects_without_ids_is_a_doc_defect():
    from fakegraph.replay import Answer, Example, classify

    example = Example("v1.0", "x", "GET", "/things?$search=a", None, (), 200, frozenset({"displayName"}))
    assert classify(example, Answer(200, {"value": []}, ""))[0] == "doc-defect"
    with_ids = Example("v1.0", "x", "GET", "/things", None, (), 200, frozenset({"id", "displayName"}))
    assert classify(with_ids, Answer(200, {"value": []}, ""))[0] == "other-2xx"


def test_the_sample_tenant_holds_the_documented_objects():
    """The default dataset of a pack is its documented example objects, by type, validated; `empty` is
    still an empty tenant; the objects read back at their documented paths."""
    sample = json.loads((SAMPLE / "fixtures" / "beta" / "sample.json").read_text())
    usages = {u["id"]: u for u in sample["microsoft.graph.gadgetUsage"]}
    assert usages["5a0e58b1-58b1-5a0e-b158-0e5ab1580e5a"]["useCount"] == 4  # a draft name, published
    assert all("@odata.type" not in u for u in usages.values())
    with FakeGraph(data=SAMPLE) as graph:
        status, body = _get(graph.beta_url + "/gadgets/usages/5a0e58b1-58b1-5a0e-b158-0e5ab1580e5a")
        assert (status, body["useCount"], body["kind"]) == (200, 4, "small")
        status, listed = _get(graph.beta_url + "/gadgets/usages")
        assert {u["id"] for u in listed["value"]} == set(usages)
    with FakeGraph(data=SAMPLE, dataset="empty") as graph:
        assert _get(graph.beta_url + "/gadgets/usages")[1]["value"] == []


def test_sample_objects_that_do_not_validate_are_reported_not_stored():
    """An example object that breaks its type's schema stays out of the sample tenant and is reported; the
    first object with an id wins; an `@odata.type` naming a known type files the object under it."""
    from fakegraph.compiler.sample import sample_tenant

    schemas = {f"urn:fakegraph:schemas:beta:microsoft.graph.{n}": {} for n in ("thing", "special")}

    def validate(_schema, obj):
        return [(("size",), "not an Int32")] if obj.get("size") == "big" else []

    def fixture(*objects):
        body = {"value": list(objects)}
        return {
            "response": {"body": body, "bodyIsJson": True, "marks": []},
            "source": {"file": "a.md", "line": 3},
        }

    warnings = []
    tenant = sample_tenant(
        "beta",
        [
            (
                "list",
                "microsoft.graph.thing",
                "/things",
                fixture({"id": "1", "size": 1}, {"id": "2", "size": "big"}),
            ),
            ("get", "microsoft.graph.thing", "/things/{id}", fixture({"id": "1", "size": 9})),
            (
                "list",
                "microsoft.graph.thing",
                "/things",
                fixture({"id": "3", "@odata.type": "#microsoft.graph.special"}),
            ),
            ("action", "microsoft.graph.thing", "/things/{id}/go", fixture({"id": "4"})),
        ],
        schemas,
        validate,
        warnings,
    )
    assert tenant == {
        "microsoft.graph.special": [{"id": "3"}],
        "microsoft.graph.thing": [{"id": "1", "size": 1}],
    }
    assert [(w.kind, w.file, w.line) for w in warnings] == [("sample-invalid", "a.md", 3)]
    assert "'2'" in warnings[0].message


def test_a_function_without_a_behaviour_answers_its_documented_example():
    """`getGadgetCount` has no behaviour: it answers the documented status and body (the misspelled key
    served under its property), with its context on this server."""
    example = json.loads(
        (
            SAMPLE / "fixtures/beta/examples/gadgetRoot_getGadgetCount.gadgetroot_getgadgetcount.json"
        ).read_text()
    )
    with FakeGraph(data=SAMPLE, dataset="empty") as graph:
        status, body = _get(graph.beta_url + "/gadgets/getGadgetCount")
        graph.check()
    assert status == example["response"]["status"]
    assert body["value"] == example["response"]["body"]["value"] == [{"id": "part-1", "label": "front"}]
    assert str(body["@odata.context"]).startswith(graph.beta_url + "/$metadata#")


def test_an_unbound_post_that_creates_nothing_is_an_action_served_without_a_body():
    """`POST /gadgets/usages/{id}/retire` (documented 204, no request body) compiles as an action, takes
    no override route of its type's creates, and answers 204 to a POST with no body and no Content-Type."""
    ops = json.loads((SAMPLE / "fixtures" / "beta" / "operations.json").read_text())["operations"]
    retire = next(o for o in ops if o["name"] == "retire_gadgetUsage")
    assert (retire["kind"], retire["paths"], retire["successStatus"]) == (
        "action",
        ["/gadgets/usages/{id}/retire"],
        204,
    )
    with FakeGraph(data=SAMPLE) as graph:
        url = graph.beta_url + "/gadgets/usages/7a3d0000-0000-4000-8000-000000000001/retire"
        request = urllib.request.Request(url, method="POST", headers=AUTH, data=b"")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert (response.status, response.read()) == (204, b"")
        graph.check()


def test_a_documented_put_creates_at_its_key_then_replaces():
    """PUT `/gadgets/parts/{id}` creates the part under the key in the path, and a second PUT replaces it
    whole; the documented status answers both."""
    with FakeGraph(data=SAMPLE, dataset="empty") as graph:

        def put(key: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
            request = urllib.request.Request(
                f"{graph.beta_url}/gadgets/parts/{key}",
                method="PUT",
                data=json.dumps(body).encode(),
                headers={**AUTH, "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)

        assert put("side-1", {"label": "side"})[0] == 200
        assert _get(graph.beta_url + "/gadgets/parts/side-1")[1]["label"] == "side"
        status, body = put("side-1", {})
        assert (status, body["id"], body["label"]) == (200, "side-1", None)
        assert len(_get(graph.beta_url + "/gadgets/parts")[1]["value"]) == 1
        graph.check()


def _jwt(claims: dict[str, str]) -> str:
    import base64

    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def test_me_is_the_signed_in_user_and_alternate_keys_address_items():
    """`/me` is the user the token's `oid` names (without one, the tenant's first user);
    `/gadgetUsers/{id | userPrincipalName}` takes either key, the name in any case."""
    ana = "1f3c0000-0000-4000-8000-00000000000a"
    with FakeGraph(data=SAMPLE) as graph:
        graph.state.store.insert("microsoft.graph.gadgetUser", "b-1", {"id": "b-1", "displayName": "Bo"})
        status, me = _get(graph.beta_url + "/me")
        assert (status, me["id"], me["displayName"]) == (200, ana, "Ana Silva")
        request = urllib.request.Request(
            graph.beta_url + "/me", headers={"Authorization": "Bearer " + _jwt({"oid": "b-1"})}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["displayName"] == "Bo"
        assert _get(graph.beta_url + "/me")[1]["id"] == ana  # not the other token's cached answer
        for key in (ana, "ana@contoso.example", "ANA@Contoso.Example"):
            status, user = _get(f"{graph.beta_url}/gadgetUsers/{key}")
            assert (status, user["id"]) == (200, ana)
        assert _get(graph.beta_url + "/gadgetUsers/nobody@contoso.example")[0] == 404
        graph.check()


@pytest.mark.corpus
def test_replaying_the_corpus_answers_no_server_error(corpus_output, tmp_path):
    """Every documented example of ../shared/graph-docs/corpus, replayed against the fake serving the
    compiled corpus, each from the sample tenant: no 5xx and no server exception; at least 90% of the
    examples without a doc defect answered with the documented status and keys, and 76% of all (90.1% and
    76.7% when this bar was set; a doc defect counts only where it explains the answer)."""
    from fakegraph import replay

    for relative, content in corpus_output.files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    with FakeGraph(data=tmp_path) as graph:
        results = replay.replay(replay.examples_of(tmp_path), replay.Client(graph.url, timeout=10))
        graph.check()
    assert len(results) > 900
    assert [r.example.name for r in results if r.outcome == "5xx"] == []
    documented = sum(r.outcome == "documented" for r in results)
    defects = sum(r.outcome == "doc-defect" for r in results)
    assert documented / (len(results) - defects) >= 0.90, replay.table(results)
    assert documented / len(results) >= 0.76, replay.table(results)  # defects are not a way around the bar


def test_reference_navigation_links_lists_counts_unlinks_and_forgets_deleted_objects():
    """`POST .../members/$ref` links an existing object (an unknown one is a 404, a second link a 400),
    `GET .../members` lists the linked objects and `/$count` counts them, `DELETE .../members/{id}/$ref`
    unlinks, and deleting a linked object takes its link with it."""
    ana = "1f3c0000-0000-4000-8000-00000000000a"
    with FakeGraph(data=SAMPLE) as graph:
        base = graph.beta_url

        def send(method: str, path: str, body: object = None) -> tuple[int, object]:
            return _send(base, method, path, body)[:2]

        status, team = send("POST", "/gadgetTeams", {"displayName": "Blue"})
        assert status == 201
        assert isinstance(team, dict)
        members = f"/gadgetTeams/{team['id']}/members"
        graph.state.store.insert("microsoft.graph.gadgetUser", "bo", {"id": "bo", "displayName": "Bo"})
        for key in (ana, "bo"):
            assert send("POST", members + "/$ref", {"@odata.id": f"{base}/gadgetUsers/{key}"})[0] == 204
        status, again = send("POST", members + "/$ref", {"@odata.id": f"{base}/gadgetUsers/bo"})
        assert status == 400
        assert "already exist" in str(again)
        assert send("POST", members + "/$ref", {"@odata.id": f"{base}/gadgetUsers/nobody"})[0] == 404
        status, listed = send("GET", members)
        assert status == 200
        assert isinstance(listed, dict)
        assert [(m["id"], m["@odata.type"]) for m in listed["value"]] == [
            (ana, "#microsoft.graph.gadgetUser"),
            ("bo", "#microsoft.graph.gadgetUser"),
        ]
        assert send("GET", members + "/$count") == (200, "2")
        assert send("DELETE", f"{members}/{ana}/$ref")[0] == 204
        assert send("DELETE", f"{members}/{ana}/$ref")[0] == 404
        graph.state.store.delete("microsoft.graph.gadgetUser", "bo")
        assert send("GET", members + "/$count") == (200, "0")
        other = send("POST", "/gadgetTeams", {"displayName": "Red"})[1]
        assert isinstance(other, dict)
        assert send("GET", f"/gadgetTeams/{other['id']}/members")[1]["value"] == []  # type: ignore[index]
        graph.check()


def test_the_sample_tenant_links_what_documented_reference_reads_show():
    """A documented `GET /gadgetTeams/t-blue/members` example links t-blue to the members it shows, so the
    documented read reads back; a reset restores the links after a test removed one."""
    links = json.loads((SAMPLE / "fixtures" / "beta" / "sample-links.json").read_text())
    assert links == [
        {
            "navigation": "/gadgetteams/{}/members",
            "parent": "t-blue",
            "targets": ["1f3c0000-0000-4000-8000-00000000000a"],
        }
    ]
    with FakeGraph(data=SAMPLE) as graph:
        members = graph.beta_url + "/gadgetTeams/t-blue/members"
        assert [m["displayName"] for m in _get(members)[1]["value"]] == ["Ana Silva"]
        request = urllib.request.Request(
            members + "/1f3c0000-0000-4000-8000-00000000000a/$ref", method="DELETE", headers=AUTH
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204
        assert _get(members)[1]["value"] == []
        graph.reset()
        assert len(_get(members)[1]["value"]) == 1
    with FakeGraph(data=SAMPLE, dataset="empty") as graph:  # no team t-blue, so no navigation below it
        assert _get(graph.beta_url + "/gadgetTeams/t-blue/members")[0] == 404


def _send(base: str, method: str, path: str, body: object = None) -> tuple[int, object, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {**AUTH, "Content-Type": "application/json"} if data else AUTH
    request = urllib.request.Request(base + path, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            parsed = json.loads(raw) if raw.strip().startswith(b"{") else raw.decode()
            return response.status, parsed, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), dict(error.headers)


def test_reference_paths_are_no_collections_and_need_a_parent_and_a_target_of_the_type():
    """A `$ref` path gets no list/item/delete endpoints of its own (a DELETE there used to delete the
    parent); a link needs an existing parent (404 on add, list and count) and a target of the
    navigation's type (400)."""
    with FakeGraph(data=SAMPLE) as graph:
        base = graph.beta_url
        assert _send(base, "DELETE", "/gadgetTeams/t-blue/members/$ref/t-blue")[0] in {400, 405}
        assert _send(base, "GET", "/gadgetTeams/t-blue")[0] == 200
        ana = {"@odata.id": f"{base}/gadgetUsers/1f3c0000-0000-4000-8000-00000000000a"}
        assert _send(base, "POST", "/gadgetTeams/nope/members/$ref", ana)[0] == 404
        assert _send(base, "GET", "/gadgetTeams/nope/members")[0] == 404
        assert _send(base, "GET", "/gadgetTeams/nope/members/$count")[0] == 404
        part = {"@odata.id": f"{base}/gadgets/parts/11111111-2222-4333-8444-555555555555"}
        status, body, _ = _send(base, "POST", "/gadgetTeams/t-blue/members/$ref", part)
        assert status == 400
        assert "holds microsoft.graph.gadgetUser objects" in str(body)
        graph.check()


def test_locations_are_percent_encoded_puts_keep_their_key_and_bound_actions_need_their_item():
    """A chosen id with `/` comes back in a Location that reads it; a PUT whose body names another id is a
    400; an action on a missing item is a 404; `/me` answers with its collection's context."""
    with FakeGraph(data=SAMPLE) as graph:
        base = graph.beta_url
        status, _, headers = _send(base, "POST", "/gadgets/parts", {"id": "a/b", "label": "x"})
        assert status == 201
        assert headers["Location"].endswith("/gadgets/parts/a%2Fb")
        assert _send(headers["Location"], "GET", "")[1]["id"] == "a/b"  # type: ignore[index]
        status, body, _ = _send(base, "PUT", "/gadgets/parts/side-1", {"id": "other", "label": "y"})
        assert status == 400
        assert "not the id in the path" in str(body)
        assert _send(base, "POST", "/gadgets/usages/missing/retire")[0] == 404
        me = _send(base, "GET", "/me")[1]
        assert str(me["@odata.context"]).endswith("/$metadata#gadgetUsers/$entity")  # type: ignore[index]
        graph.check()


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"slot": 1, "owner": {"level": "unknownFutureValue"}}, "owner"),
        ({"slot": 1, "pastOwners": [{"level": "senior"}, {"level": "UnknownFutureValue"}]}, "pastOwners"),
        ({"slot": 1, "levels": ["junior", "unknownFutureValue"]}, "levels"),
    ],
)
def test_the_sentinel_is_refused_at_any_depth_on_create(body, named):
    """`unknownFutureValue` nested in an object or a collection is a 400 naming the property, as at the
    top level (ARCHITECTURE A4); nothing is stored."""
    with FakeGraph(data=SAMPLE, dataset="empty") as graph:
        status, error, _ = _send(graph.beta_url, "POST", "/gadgets/usages", body)
        assert status == 400
        assert f"'{named}'" in str(error)
        assert "cannot be sent" in str(error)
        assert graph.state.store.dump().get("microsoft.graph.gadgetUsage", []) == []
        graph.check()


def test_an_addressed_item_needs_a_request_path_of_its_template():
    """`GET /me/messages/{id}/$value` documented on the message page addresses no message called `$value`;
    the item is taken only from a request path with the template's segments."""
    from fakegraph.compiler.sample import addressed_item, example_template

    def fixture(path: str) -> dict[str, object]:
        return {"request": {"path": path, "body": None, "marks": []}}

    assert addressed_item("get", "/me/messages/{id}", fixture("/me/messages/AAM=/$value")) is None
    assert addressed_item("get", "/me/messages/{id}", fixture("/me/messages/AAM=")) == {"id": "AAM="}
    templates = ["/me/messages/{id}", "/users/{id}/messages/{id}"]
    assert example_template(templates, fixture("/users/u1/messages/m1")) == "/users/{id}/messages/{id}"
