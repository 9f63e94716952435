"""Mail: `sendMail`, `message: send`, and a mailbox's well-known folder names (ARCHITECTURE A19).

A sent message is filed in the sender's Sent Items (unless `saveToSentItems` is false) and delivered to the
Inbox of each recipient the tenant has (by `mail` or `userPrincipalName`), with the properties Graph sets:
a new id, the mock clock's time, `from`/`sender`, `isDraft` false. A mailbox's folder is owned by its
folder, and listed by the mailbox (`/users/{id}/messages`) too.

The folders Outlook makes for every mailbox are addressed by name below a user (`/me/mailFolders/sentitems`,
in any case); each exists, with an id of its own, from the first time something addresses it.
"""

from __future__ import annotations

import re
import uuid
from contextlib import suppress
from typing import Any

from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.errors import BadRequest, Conflict
from fakegraph.behaviours.effects import Answer, KeyRequest, Request
from fakegraph.model.clock import iso
from fakegraph.model.store import clone

GRAPH = "microsoft.graph."
MAIL_FOLDER = GRAPH + "mailFolder"
MESSAGE = GRAPH + "message"
USER = GRAPH + "user"
FOLDERS = "mailfolders"  # the navigation a mailbox's folders are created in
MESSAGES = "messages"
ATTACHMENTS = "attachments"
ATTACHMENT = GRAPH + "attachment"
RECIPIENT_FIELDS = ("toRecipients", "ccRecipients", "bccRecipients")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")
_FOLDER_IDS = uuid.UUID("0c3f5a1e-7d2b-4e8a-9a55-6d61696c626f")
PREVIEW = 255  # characters of the body a bodyPreview shows

WELL_KNOWN = {  # a well-known folder name → the display name Outlook gives the folder
    "archive": "Archive",
    "clutter": "Clutter",
    "conflicts": "Conflicts",
    "conversationhistory": "Conversation History",
    "deleteditems": "Deleted Items",
    "drafts": "Drafts",
    "inbox": "Inbox",
    "junkemail": "Junk Email",
    "localfailures": "Local Failures",
    "msgfolderroot": "Top of Information Store",
    "outbox": "Outbox",
    "recoverableitemsdeletions": "Deletions",
    "scheduled": "Scheduled",
    "searchfolders": "Finder",
    "sentitems": "Sent Items",
    "serverfailures": "Server Failures",
    "syncissues": "Sync Issues",
}


class InvalidRecipients(BadRequest):
    code = "ErrorInvalidRecipients"


def folder_id(mailbox: str, name: str) -> str:
    """The id of a mailbox's well-known folder: the same for the same user, whatever the order of calls."""
    return str(uuid.uuid5(_FOLDER_IDS, f"{mailbox}/{name}"))


def well_known_folder(request: KeyRequest) -> str | None:
    """The key of the mailbox's folder a well-known name addresses below a user, made if it is not yet
    stored; None for any other segment."""
    name = request.segment.lower()
    if request.navigation != FOLDERS or name not in WELL_KNOWN:
        return None
    store, (kind, mailbox) = request.store, request.parent
    key = folder_id(mailbox, name)
    if store.has(MAIL_FOLDER, key):
        return key
    blank = request.blank(MAIL_FOLDER)
    known = {
        "displayName": WELL_KNOWN[name],
        "parentFolderId": None if name == "msgfolderroot" else folder_id(mailbox, "msgfolderroot"),
        "childFolderCount": 0,
        "totalItemCount": 0,
        "unreadItemCount": 0,
        "isHidden": False,
        "wellKnownName": name,  # beta declares it
    }
    folder = {**blank, **{k: v for k, v in known.items() if k in blank}, "id": key}
    with suppress(Conflict):  # made by a concurrent request meanwhile
        store.insert(MAIL_FOLDER, key, folder, copy=False, exclusive=True, parent=(kind, mailbox, FOLDERS))
    return key


def send_mail(request: Request) -> Answer | None:
    """`POST /users/{id}/sendMail` (and `/me/sendMail`): 202, the message filed and delivered."""
    sender = request.item(len(request.path) - 1)
    if sender is None:
        return None
    message = request.body.get("message")
    if not isinstance(message, dict):
        raise BadRequest("The parameter 'message' is required: the message to send.", target="message")
    _check_recipients(message)
    fields = {k: clone(v) for k, v in message.items() if not k.startswith("@") and k != "id"}
    given = fields.pop(ATTACHMENTS, None) or []
    attachments = [(_attachment_kind(a), _fields(a)) for a in given if isinstance(a, dict)]
    _sent(request, fields)
    if request.body.get("saveToSentItems") is not False:
        _file(request, sender, sender, fields, attachments, "sentitems")
    _deliver(request, sender, fields, attachments)
    return Answer(202)


def send_draft(request: Request) -> Answer | None:
    """`POST /me/messages/{id}/send`: the draft moves to Sent Items, sent, and is delivered."""
    bound = request.item(len(request.path) - 1)
    if bound is None or bound[0] not in request.kinds(MESSAGE):
        return None
    sender = request.item(1) if request.path[0].lower() == "me" else request.item(2)
    if sender is None:
        return None
    store, (kind, key) = request.store, bound
    draft = store.peek(kind, key) or {}
    if draft.get("isDraft") is False:
        raise BadRequest(f"The message '{key}' was sent already; only a draft can be sent.")
    _check_recipients(draft)
    fields = {k: clone(v) for k, v in draft.items() if k != "id"}
    _sent(request, fields)
    sent = folder(request, sender, "sentitems")
    server = _server_set(request, sender, fields, sent, read=True)
    store.update(kind, key, {k: v for k, v in server.items() if k in draft})
    store.contain((MAIL_FOLDER, sent, MESSAGES), kind, key)
    store.contain((*sender, MESSAGES), kind, key, listed=True)
    attached = store.children((kind, key, ATTACHMENTS), ATTACHMENT, free=False)
    _deliver(request, sender, fields, [(_attachment_kind(a), _fields(a)) for a in attached])
    return Answer(202)


def folder(request: Request, user: tuple[str, str], name: str) -> str:
    key = well_known_folder(KeyRequest(request.store, user, FOLDERS, name, request.blank))
    assert key is not None  # a well-known name below a user
    return key


def _check_recipients(message: JSONObject) -> None:
    """At least one recipient, each with an address (the schema checked their shape)."""
    recipients = [r for field in RECIPIENT_FIELDS for r in message.get(field) or []]
    if not recipients:
        raise InvalidRecipients(
            "At least one recipient isn't valid: a message without recipients can't be sent.",
            target="message.toRecipients",
        )
    for recipient in recipients:
        email = recipient.get("emailAddress") if isinstance(recipient, dict) else None
        address = email.get("address") if isinstance(email, dict) else None
        if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
            shown = address if isinstance(address, str) else "(no emailAddress.address)"
            raise InvalidRecipients(
                f"At least one recipient isn't valid: '{shown}' is not an email address.",
                target="message.toRecipients",
            )


def _sent(request: Request, fields: JSONObject) -> None:
    """What every copy of one sent message shares: its conversation and its internet message id."""
    fields["conversationId"] = fields.get("conversationId") or request.new_id()
    fields["internetMessageId"] = fields.get("internetMessageId") or f"<{request.new_id()}@fakegraph.invalid>"


def _server_set(
    request: Request, sender: tuple[str, str], fields: JSONObject, folder_key: str, *, read: bool
) -> JSONObject:
    """The properties Graph sets on a sent message, in one folder of one mailbox."""
    stamp = iso(request.now)
    address = request.store.peek(*sender) or {}
    me = {
        "emailAddress": {
            "name": address.get("displayName"),
            "address": address.get("mail") or address.get("userPrincipalName"),
        }
    }
    return {
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "sentDateTime": stamp,
        "receivedDateTime": stamp,
        "isDraft": False,
        "isRead": read,
        "from": fields.get("from") or me,
        "sender": me,
        "parentFolderId": folder_key,
        "bodyPreview": _preview(fields.get("body")),
        "importance": fields.get("importance") or "normal",
        "inferenceClassification": "focused",
        "changeKey": request.new_id(),
    }


def _file(
    request: Request,
    user: tuple[str, str],
    sender: tuple[str, str],
    fields: JSONObject,
    attachments: list[tuple[str, JSONObject]],
    where: str,
) -> str:
    """Store a copy of a sent message in one of a user's well-known folders, listed in the user's mailbox
    too, with its attachments."""
    store = request.store
    folder_key = folder(request, user, where)
    blank = request.blank(MESSAGE)
    server = _server_set(request, sender, fields, folder_key, read=where == "sentitems")
    server["hasAttachments"] = bool(attachments)
    while True:  # a seeded id may meet one a test chose: draw the next
        key = request.new_id()
        if not store.has(MESSAGE, key):
            break
    message = {**blank, **clone(fields), **{k: v for k, v in server.items() if k in blank}, "id": key}
    store.insert(MESSAGE, key, message, copy=False, parent=(MAIL_FOLDER, folder_key, MESSAGES))
    store.contain((*user, MESSAGES), MESSAGE, key, listed=True)
    for kind, attachment in attachments:  # stored as the navigation's type, each saying its own
        made = {**request.blank(kind), **clone(attachment), "id": request.new_id()}
        if kind != ATTACHMENT:
            made = {"@odata.type": "#" + kind, **made}
        store.insert(ATTACHMENT, made["id"], made, copy=False, parent=(MESSAGE, key, ATTACHMENTS))
    return key


def _fields(attachment: JSONObject) -> JSONObject:
    return {k: clone(v) for k, v in attachment.items() if not k.startswith("@") and k != "id"}


def _attachment_kind(attachment: JSONObject) -> str:
    named = attachment.get("@odata.type")
    return named.lstrip("#") if isinstance(named, str) and named.strip("#") else GRAPH + "fileAttachment"


def _deliver(
    request: Request, sender: tuple[str, str], fields: JSONObject, attachments: list[tuple[str, JSONObject]]
) -> None:
    """A copy in the Inbox of each recipient the tenant has (matched by mail or userPrincipalName)."""
    store = request.store
    reached: dict[str, None] = {}
    for field in RECIPIENT_FIELDS:
        for recipient in fields.get(field) or []:
            address = str(recipient["emailAddress"]["address"])
            key = store.find(USER, "mail", address) or store.find(USER, "userPrincipalName", address)
            if key is not None:
                reached[key] = None
    copy = {k: v for k, v in fields.items() if k != "bccRecipients"}  # recipients never see the bcc line
    for key in reached:
        _file(request, (USER, key), sender, copy, attachments, "inbox")


def _preview(body: Any) -> str | None:
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, str):
        return None
    if str(body.get("contentType", "")).lower() == "html":
        content = re.sub(r"<[^>]*>", " ", content)
    return " ".join(content.split())[:PREVIEW]
