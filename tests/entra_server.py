"""An Entra ID token endpoint on 127.0.0.1 over TLS, for signing in with azure-identity's real credentials.

It grants client-credential tokens to one app: by client secret, or by a certificate's signed assertion
(the signature is checked against the certificate). Each token it mints is registered with the Graph
test server, which accepts it from then on.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import secrets
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from local_http import LocalServer, json_answer
from werkzeug.wrappers import Request, Response

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def self_signed(name: str, folder: Path, *, ip: str | None = None) -> tuple[Path, Path, Any]:
    """A certificate and key as PEM files (the certificate also serves as its own CA); returns the cert too."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), False)
    cert = builder.sign(key, hashes.SHA256())
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file, cert


@dataclass
class EntraState:
    tenant: str
    client_id: str
    client_secret: str
    client_cert: Any = None
    issued: dict[str, frozenset[str]] = field(default_factory=dict)
    """Where minted tokens go: the Graph test server's token table."""
    requests: list[dict[str, str]] = field(default_factory=list)


class _TokenEndpoint:
    def __init__(self, state: EntraState) -> None:
        self.state = state

    def __call__(self, request: Request) -> Response:
        if request.method != "POST":  # as http.server answers a method it has no handler for
            return json_answer(501, None)
        form = {k: v[-1] for k, v in parse_qs(request.get_data().decode()).items()}
        self.state.requests.append(form)
        if request.path.rstrip("/") != f"/{self.state.tenant}/oauth2/v2.0/token":
            return json_answer(400, {"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."})
        if form.get("client_id") != self.state.client_id or not self._client_proved(form):
            return json_answer(
                401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}
            )
        token = secrets.token_urlsafe(24)
        self.state.issued[token] = frozenset({"Directory.Read.All"})
        return json_answer(
            200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        )

    def _client_proved(self, form: dict[str, str]) -> bool:
        if "client_secret" in form:
            return secrets.compare_digest(form["client_secret"], self.state.client_secret)
        if form.get("client_assertion_type") != ASSERTION_TYPE or self.state.client_cert is None:
            return False
        header, payload, signature = form.get("client_assertion", "..").split(".")
        claims = json.loads(_unb64(payload))
        algorithm = json.loads(_unb64(header)).get("alg")
        scheme = {
            "RS256": padding.PKCS1v15(),
            "PS256": padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size),
        }.get(algorithm)
        if scheme is None:
            return False
        try:
            self.state.client_cert.public_key().verify(
                _unb64(signature), f"{header}.{payload}".encode(), scheme, hashes.SHA256()
            )
        except Exception:
            return False
        return claims.get("sub") == claims.get("iss") == self.state.client_id


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class EntraServer:
    def __init__(self, state: EntraState, folder: Path) -> None:
        self.state = state
        self.ca_file, key_file, _ = self_signed("127.0.0.1", folder, ip="127.0.0.1")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key_file)
        self._listening = LocalServer(_TokenEndpoint(state), tls=context)
        self.url = self._listening.url

    def close(self) -> None:
        self._listening.close()
