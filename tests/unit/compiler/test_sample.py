"""The sample tenant's inputs: the objects documented requests assume exist."""

from __future__ import annotations

from fakegraph.compiler.sample import addressed_parents, referenced_items, template_shape

TYPES = {
    template_shape("/directoryObjects/{id}"): "microsoft.graph.directoryObject",
    template_shape("/education/users/{id}"): "microsoft.graph.educationUser",
}


def _ref(path: str, url: object) -> dict[str, object]:
    return {"request": {"method": "POST", "path": path, "body": {"@odata.id": url}}}


def test_a_documented_ref_request_assumes_the_object_it_links():
    linked = _ref("/directoryRoles/r1/members/$ref", "https://graph.microsoft.com/v1.0/directoryObjects/15c1")
    assert referenced_items(linked, TYPES) == [("microsoft.graph.directoryObject", {"id": "15c1"})]
    teacher = _ref(
        "/education/classes/11012/teachers/$ref", "https://graph.microsoft.com/v1.0/education/users/14011"
    )
    assert referenced_items(teacher, TYPES) == [("microsoft.graph.educationUser", {"id": "14011"})]


def test_no_object_is_assumed_from_placeholders_unknown_paths_or_other_requests():
    assert (
        referenced_items(
            _ref("/groups/g/members/$ref", "https://graph.microsoft.com/v1.0/directoryObjects/{id}"), TYPES
        )
        == []
    )
    assert (
        referenced_items(_ref("/groups/g/members/$ref", "https://graph.microsoft.com/v1.0/things/1"), TYPES)
        == []
    )
    assert (
        referenced_items(
            _ref("/groups/g/members", "https://graph.microsoft.com/v1.0/directoryObjects/1"), TYPES
        )
        == []
    )
    assert referenced_items({"request": {"path": "/x/$ref", "body": "not json"}}, TYPES) == []


def test_a_base64_key_ending_in_padding_is_a_parent_not_an_alternate_key():
    fixture = {"request": {"path": "/me/messages/AAMkADA1M-zAAA=/attachments/a1"}}
    types = {template_shape("/me/messages/{id}"): "microsoft.graph.message"}
    found = addressed_parents(["/me/messages/{id}/attachments/{id}"], fixture, types)
    assert found == [("microsoft.graph.message", {"id": "AAMkADA1M-zAAA="})]
    alternate = {"request": {"path": "/directoryRoles/roleTemplateId=88d8/members"}}
    assert (
        addressed_parents(
            ["/directoryRoles/{id}/members"], alternate, {template_shape("/directoryRoles/{id}"): "x"}
        )
        == []
    )


def test_a_documented_list_at_me_is_the_signed_in_user_s():
    from fakegraph.compiler.sample import _parent_key

    assert _parent_key("/me/joinedTeams", "/me/joinedTeams") == "me"
    assert _parent_key("/users/{id}/joinedTeams", "/users/u1/joinedTeams") == "u1"
    assert _parent_key("/users/{id}/joinedTeams", "/users/{id}/joinedTeams") is None
