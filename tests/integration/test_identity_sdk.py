"""Issue 16's acceptance through the official libraries: azure-identity's ClientSecretCredential (and
CertificateCredential) gets tokens from the fake's Entra endpoints over TLS; msgraph-beta-sdk and msgraph-sdk
use them unmodified. With --enforce-permissions a token holding Reports.Read.All reads the credential
reports, one without gets Graph's 403, and an expired one (the mock clock moved on) Graph's 401."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
import trustme
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter as V1Adapter
from msgraph import GraphServiceClient as V1Client
from msgraph.generated.models.o_data_errors.o_data_error import ODataError as V1Error
from msgraph.graph_request_adapter import options as v1_options
from msgraph_beta import GraphRequestAdapter, GraphServiceClient
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_beta.graph_request_adapter import options as beta_options
from msgraph_core import GraphClientFactory

from fakegraph.artifacts.paths import data_dir
from fakegraph.model.settings import DEFAULT_TENANT_ID
from fakegraph.server import FakeGraph
from tests.integration.sdk import close

SCOPES = ["https://graph.microsoft.com/.default"]
TENANT = DEFAULT_TENANT_ID
READER = ("reports-app", "reader-secret")  # holds Reports.Read.All
OTHER = ("users-app", "other-secret")  # holds User.Read.All only
APPS = (f"{READER[0]}:{READER[1]}:Reports.Read.All", f"{OTHER[0]}:{OTHER[1]}:User.Read.All")


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(data=str(data_dir()), tls=True, apps=APPS, enforce_permissions=True) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(graph: FakeGraph) -> Iterator[None]:
    graph.reset()
    yield
    graph.check()


def credential(graph: FakeGraph, client_id: str, secret: str) -> ClientSecretCredential:
    assert graph.tls_files is not None
    return ClientSecretCredential(
        TENANT,
        client_id,
        secret,
        authority=graph.url,  # the fake serves Entra's endpoints too
        disable_instance_discovery=True,  # MSAL would ask login.microsoftonline.com about an unknown host
        connection_verify=str(graph.tls_files.ca),
    )


def _http(graph: FakeGraph, options: dict[str, Any]) -> httpx.AsyncClient:
    """A client trusting the fake's CA, with the SDK's own middleware options (its `/me` URL rewrite)."""
    assert graph.tls_files is not None
    trusting = ssl.create_default_context(cafile=str(graph.tls_files.ca))
    client = httpx.AsyncClient(verify=trusting)
    return GraphClientFactory.create_with_default_middleware(client=client, options=options)


def beta_client(graph: FakeGraph, cred: Any) -> GraphServiceClient:
    provider = AzureIdentityAuthenticationProvider(cred, scopes=SCOPES)
    adapter = GraphRequestAdapter(provider, client=_http(graph, beta_options))
    adapter.base_url = graph.beta_url
    return GraphServiceClient(request_adapter=adapter)


def v1_client(graph: FakeGraph, cred: Any) -> V1Client:
    provider = AzureIdentityAuthenticationProvider(cred, scopes=SCOPES)
    adapter = V1Adapter(provider, client=_http(graph, v1_options))
    adapter.base_url = graph.v1_url
    return V1Client(request_adapter=adapter)


def test_client_secret_credential_gets_a_signed_token_for_graph(graph: FakeGraph) -> None:
    """The token is an RS256 JWT the fake's published key verifies, for Graph, with the app's roles."""
    with credential(graph, *READER) as cred:
        token = cred.get_token(*SCOPES).token
    keys = httpx.get(
        f"{graph.url}/{TENANT}/discovery/v2.0/keys",
        verify=ssl.create_default_context(cafile=str(graph.tls_files.ca)),
    ).json()["keys"]
    public = jwt.PyJWK(keys[0]).key
    claims = jwt.decode(token, public, algorithms=["RS256"], audience="https://graph.microsoft.com",
                        options={"verify_exp": False})  # fmt: skip
    assert claims["roles"] == ["Reports.Read.All"]
    assert claims["appid"] == READER[0]
    assert claims["tid"] == TENANT
    assert claims["iss"] == f"https://sts.windows.net/{TENANT}/"
    assert claims["idtyp"] == "app"
    assert claims["exp"] - claims["iat"] == 3599
    assert claims["iat"] == int(graph.state.clock.now().timestamp())  # on the mock clock


def test_a_wrong_secret_raises_the_entra_error(graph: FakeGraph) -> None:
    with (
        credential(graph, READER[0], "not-the-secret") as cred,
        pytest.raises(ClientAuthenticationError) as raised,
    ):
        cred.get_token(*SCOPES)
    assert "AADSTS7000215: Invalid client secret provided" in str(raised.value)
    with (
        credential(graph, "no-such-app", "x") as cred,
        pytest.raises(ClientAuthenticationError, match="AADSTS700016"),
    ):
        cred.get_token(*SCOPES)


async def test_the_beta_sdk_reads_the_reports_with_reports_read_all(graph: FakeGraph) -> None:
    cred = credential(graph, *READER)
    client = beta_client(graph, cred)
    try:
        page = await client.reports.user_credential_usage_details.get()
        assert page is not None
        assert page.value
        summary = await client.reports.get_credential_usage_summary_with_period("D30").get()
        assert summary is not None
        assert summary.value
    finally:
        await close(client)
        cred.close()
    sent = graph.state.journal.entries("GET", "/reports/userCredentialUsageDetails")[0]
    assert sent.status == 200
    assert sent.headers["Authorization"].startswith("Bearer ")


async def test_a_token_without_the_permission_gets_403(graph: FakeGraph) -> None:
    cred = credential(graph, *OTHER)
    client = beta_client(graph, cred)
    try:
        with pytest.raises(ODataError) as raised:
            await client.reports.user_credential_usage_details.get()
    finally:
        await close(client)
        cred.close()
    assert raised.value.response_status_code == 403
    assert raised.value.error.code == "Authorization_RequestDenied"
    assert raised.value.error.message == "Insufficient privileges to complete the operation."


async def test_the_v1_sdk_uses_the_token_and_an_expired_one_gets_401(graph: FakeGraph) -> None:
    """msgraph-sdk lists users with User.Read.All; once the mock clock passes the token's expiry (and the
    5 minutes of skew a resource forgives) the same cached token gets Graph's 401."""
    cred = credential(graph, *OTHER)
    client = v1_client(graph, cred)
    try:
        users = await client.users.get()
        assert users is not None
        assert users.value
        graph.state.clock.advance(3599 + 301)
        with pytest.raises(V1Error) as raised:
            await client.users.get()
    finally:
        await close(client)
        cred.close()
    assert raised.value.response_status_code == 401
    assert raised.value.error.code == "InvalidAuthenticationToken"
    assert raised.value.error.message == "Lifetime validation failed, the token is expired."


def test_certificate_credential_signs_a_client_assertion(graph: FakeGraph) -> None:
    """An app registered with a certificate: azure-identity's CertificateCredential signs a client assertion
    with its key; the token says so (appidacr 2). Another certificate's key is refused."""
    authority = trustme.CA(key_type=trustme.KeyType.RSA)
    mine = authority.issue_cert("app.example", key_type=trustme.KeyType.RSA)
    pem = mine.cert_chain_pems[0].bytes().decode()
    from fakegraph.http.registrations import register

    app = register(graph.state, {"clientId": "cert-app", "certificate": pem, "roles": ["Reports.Read.All"]})
    assert graph.tls_files is not None
    ca = str(graph.tls_files.ca)
    both = mine.private_key_pem.bytes() + mine.cert_chain_pems[0].bytes()
    made = CertificateCredential(TENANT, "cert-app", certificate_data=both, authority=graph.url,
                                 disable_instance_discovery=True, connection_verify=ca)  # fmt: skip
    with made:
        claims = jwt.decode(made.get_token(*SCOPES).token, options={"verify_signature": False})
    assert claims["appidacr"] == "2"
    assert claims["roles"] == ["Reports.Read.All"]
    stranger = authority.issue_cert("other.example", key_type=trustme.KeyType.RSA)
    other = stranger.private_key_pem.bytes() + stranger.cert_chain_pems[0].bytes()
    wrong = CertificateCredential(TENANT, "cert-app", certificate_data=other, authority=graph.url,
                                  disable_instance_discovery=True, connection_verify=ca)  # fmt: skip
    with wrong, pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
        wrong.get_token(*SCOPES)
    assert app.secret is None  # an app with a certificate gets no secret made for it
    assert app in graph.state.identity.apps()


# azure-identity and MSAL deprecate the password flow (it cannot do MFA); a test tenant is where it still fits
@pytest.mark.filterwarnings("ignore:UsernamePasswordCredential is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:This API has been deprecated for public client flows:DeprecationWarning")
async def test_a_signed_in_user_through_the_password_and_code_flows(graph: FakeGraph) -> None:
    """Delegated flows with azure-identity: UsernamePasswordCredential (MSAL's password flow, after its home
    realm discovery) for a user of the sample tenant, and for one created with a password through the SDK;
    AuthorizationCodeCredential redeeming a code the authorize endpoint gave. `/me` is the user signed in."""
    from azure.identity import AuthorizationCodeCredential, UsernamePasswordCredential
    from msgraph.generated.models.password_profile import PasswordProfile
    from msgraph.generated.models.user import User

    from fakegraph.http.registrations import register

    register(
        graph.state, {"clientId": "desk-app", "secret": None, "scopes": ["User.Read", "User.ReadWrite.All"]}
    )
    assert graph.tls_files is not None
    ca = str(graph.tls_files.ca)
    options = {"authority": graph.url, "disable_instance_discovery": True, "connection_verify": ca}
    # MSAL's home realm discovery asks https://HOST/common/userrealm/... without the authority's port (it
    # keeps the host name only), so on a port other than 443 it is skipped the way MSAL skips it after a 404.
    from msal.authority import Authority

    Authority._domains_without_user_realm_discovery.add("127.0.0.1")

    def signing_in(username: str, password: str) -> UsernamePasswordCredential:
        return UsernamePasswordCredential("desk-app", username, password, tenant_id=TENANT, **options)

    adele = signing_in("AdeleV@contoso.onmicrosoft.com", "fakegraph")
    client = v1_client(graph, adele)
    try:
        me = await client.me.get()
        assert me is not None
        assert me.user_principal_name == "AdeleV@contoso.onmicrosoft.com"
        profile = PasswordProfile(password="N3w-Passw0rd!", force_change_password_next_sign_in=False)
        made = User(account_enabled=True, display_name="Nina", mail_nickname="nina",
                    user_principal_name="nina@contoso.onmicrosoft.com", password_profile=profile)  # fmt: skip
        created = await client.users.post(made)
        assert created is not None
    finally:
        await close(client)
        adele.close()
    nina = signing_in("nina@contoso.onmicrosoft.com", "N3w-Passw0rd!")
    with nina:
        claims = jwt.decode(nina.get_token("User.Read").token, options={"verify_signature": False})
    assert claims["oid"] == created.id
    assert claims["scp"] == "User.Read"
    wrong = signing_in("nina@contoso.onmicrosoft.com", "guess")
    with wrong, pytest.raises(ClientAuthenticationError, match="AADSTS50126"):
        wrong.get_token("User.Read")
    trusting = ssl.create_default_context(cafile=ca)
    query = {"client_id": "desk-app", "response_type": "code", "redirect_uri": "http://localhost/cb",
             "scope": "User.Read offline_access", "login_hint": "nina@contoso.onmicrosoft.com"}  # fmt: skip
    location = httpx.get(f"{graph.url}/{TENANT}/oauth2/v2.0/authorize", params=query, verify=trusting).headers
    code = location["Location"].split("code=", 1)[1].split("&", 1)[0]
    redeemed = AuthorizationCodeCredential(TENANT, "desk-app", code, "http://localhost/cb",
                                           authority=graph.url, connection_verify=ca)  # fmt: skip
    with redeemed:
        claims = jwt.decode(redeemed.get_token("User.Read").token, options={"verify_signature": False})
    assert claims["upn"] == "nina@contoso.onmicrosoft.com"
