"""AWS Signature Version 4 verification, for header-signed and presigned requests.

Pure: the caller supplies the secret lookup and the clock. The result says who
signed (the access key and the credential scope), or which check failed; the
pipeline turns a failure into the error code AWS returns for that protocol.

As strict as the services served (none of them is S3): ``host`` must be among
the signed headers, and the payload must be signed. A header-signed request
declaring ``x-amz-content-sha256: UNSIGNED-PAYLOAD`` is refused (its signature
would cover no body, so it could be replayed with any). A presigned URL may
stand for an unsigned payload only when the request has no body, as botocore's
presigned GETs do.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from botocore.utils import normalize_url_path

from clusterport.gateway.protocols.base import WireRequest

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = dt.timedelta(minutes=15)
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class SigV4Failure(enum.Enum):
    """Why a request's signature was not accepted."""

    MISSING = "missing"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown-key"
    BAD_SIGNATURE = "bad-signature"
    SKEWED = "skewed"
    PRESIGN_EXPIRED = "presign-expired"


class SigV4Error(Exception):
    """A signature that does not verify, with the reason."""

    def __init__(self, failure: SigV4Failure, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


@dataclass(frozen=True)
class CredentialScope:
    """``AKID/20261125/us-east-1/sts/aws4_request`` split into its parts."""

    access_key: str
    date: str
    region: str
    service: str


@dataclass(frozen=True)
class SignedRequest:
    """What a verified signature establishes."""

    scope: CredentialScope
    security_token: str | None
    signed_at: dt.datetime
    presigned: bool


def _parse_scope(text: str) -> CredentialScope:
    parts = text.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise SigV4Error(
            SigV4Failure.MALFORMED,
            f"Credential should be scoped to a valid region and service: '{text}'.",
        )
    return CredentialScope(parts[0], parts[1], parts[2], parts[3])


def _parse_amz_date(text: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise SigV4Error(
            SigV4Failure.MALFORMED, f"Invalid X-Amz-Date '{text}': expected YYYYMMDDTHHMMSSZ."
        ) from exc


def credential_scope(request: WireRequest) -> CredentialScope | None:
    """The credential scope a request claims, without verifying anything (for routing)."""
    auth = request.headers.get("authorization", "")
    if auth.startswith(ALGORITHM):
        for part in auth[len(ALGORITHM) :].split(","):
            key, _, value = part.strip().partition("=")
            if key == "Credential":
                try:
                    return _parse_scope(value)
                except SigV4Error:
                    return None
        return None
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        if key == "X-Amz-Credential":
            try:
                return _parse_scope(value)
            except SigV4Error:
                return None
    return None


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_query(query: str, *, drop_signature: bool) -> str:
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if drop_signature and key == "X-Amz-Signature":
            continue
        pairs.append((_uri_encode(key), _uri_encode(value)))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_path(raw_path: str) -> str:
    # SDKs normalize the (already percent-encoded) path and encode it once more.
    return quote(normalize_url_path(raw_path), safe="/~")


def _signing_key(secret: str, scope: CredentialScope) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), scope.date.encode(), hashlib.sha256).digest()
    for part in (scope.region, scope.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _string_to_sign(amz_date: str, scope: CredentialScope, canonical_request: str) -> str:
    scope_text = f"{scope.date}/{scope.region}/{scope.service}/aws4_request"
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope_text}\n{digest}"


def _canonical_request(
    request: WireRequest, signed_headers: list[str], payload_hash: str, *, presigned: bool
) -> str:
    headers = []
    for name in signed_headers:
        value = request.headers.get(name)
        if value is None:
            raise SigV4Error(
                SigV4Failure.BAD_SIGNATURE,
                f"The request signature we calculated does not match the signature you "
                f"provided: signed header '{name}' is missing from the request.",
            )
        headers.append(f"{name}:{' '.join(value.split())}")
    return "\n".join(
        [
            request.method.upper(),
            canonical_path(request.path),
            canonical_query(request.query, drop_signature=presigned),
            "\n".join(headers) + "\n",
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def _signed_headers(text: str) -> list[str]:
    signed = [h.strip().lower() for h in text.split(";") if h.strip()]
    if "host" not in signed:
        raise SigV4Error(
            SigV4Failure.MALFORMED,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        )
    return signed


def _unsigned_payload_refused() -> SigV4Error:
    return SigV4Error(
        SigV4Failure.BAD_SIGNATURE,
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. This service requires a signed "
        "payload: sign the SHA-256 hash of the request body, not UNSIGNED-PAYLOAD.",
    )


def verify(
    request: WireRequest,
    lookup_secret: Callable[[str], str | None],
    now: dt.datetime,
) -> SignedRequest:
    """Verify the request's SigV4 signature or raise :class:`SigV4Error`."""
    auth = request.headers.get("authorization")
    query = dict(parse_qsl(request.query, keep_blank_values=True))
    if auth is not None:
        return _verify_header(request, auth, lookup_secret, now)
    if "X-Amz-Signature" in query or "X-Amz-Credential" in query:
        return _verify_presigned(request, query, lookup_secret, now)
    raise SigV4Error(SigV4Failure.MISSING, "Request is missing Authentication Token")


def _fields(auth: str) -> Mapping[str, str]:
    if not auth.startswith(ALGORITHM + " "):
        raise SigV4Error(
            SigV4Failure.MALFORMED,
            f"Authorization header requires the '{ALGORITHM}' algorithm (Signature Version 4).",
        )
    fields: dict[str, str] = {}
    for part in auth[len(ALGORITHM) + 1 :].split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields[key] = value
    for required in ("Credential", "SignedHeaders", "Signature"):
        if required not in fields:
            raise SigV4Error(
                SigV4Failure.MALFORMED,
                f"Authorization header requires '{required}' parameter.",
            )
    return fields


def _check_secret(lookup_secret: Callable[[str], str | None], scope: CredentialScope) -> str:
    secret = lookup_secret(scope.access_key)
    if secret is None:
        raise SigV4Error(
            SigV4Failure.UNKNOWN_KEY, "The security token included in the request is invalid."
        )
    return secret


def _compare(expected: bytes, given: str) -> None:
    if not hmac.compare_digest(expected.hex(), given.lower()):
        raise SigV4Error(
            SigV4Failure.BAD_SIGNATURE,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )


def _verify_header(
    request: WireRequest,
    auth: str,
    lookup_secret: Callable[[str], str | None],
    now: dt.datetime,
) -> SignedRequest:
    fields = _fields(auth)
    scope = _parse_scope(fields["Credential"])
    amz_date = request.headers.get("x-amz-date")
    if amz_date is None:
        raise SigV4Error(
            SigV4Failure.MALFORMED,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    signed_at = _parse_amz_date(amz_date)
    if abs(now - signed_at) > MAX_SKEW:
        raise SigV4Error(
            SigV4Failure.SKEWED,
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} "
            f"({now.strftime('%Y%m%dT%H%M%SZ')} - 15 min.)"
            if signed_at < now
            else f"Signature not yet current: {amz_date} is still later than "
            f"{(now + MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} "
            f"({now.strftime('%Y%m%dT%H%M%SZ')} + 15 min.)",
        )
    signed_headers = _signed_headers(fields["SignedHeaders"])
    secret = _check_secret(lookup_secret, scope)
    body_hash = hashlib.sha256(request.body).hexdigest()
    declared = request.headers.get("x-amz-content-sha256")
    if declared == UNSIGNED_PAYLOAD:
        raise _unsigned_payload_refused()
    if declared is not None and declared != body_hash:
        raise SigV4Error(
            SigV4Failure.BAD_SIGNATURE,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )
    canonical = _canonical_request(request, signed_headers, body_hash, presigned=False)
    expected = hmac.new(
        _signing_key(secret, scope),
        _string_to_sign(amz_date, scope, canonical).encode(),
        hashlib.sha256,
    ).digest()
    _compare(expected, fields["Signature"])
    return SignedRequest(
        scope=scope,
        security_token=request.headers.get("x-amz-security-token"),
        signed_at=signed_at,
        presigned=False,
    )


def _verify_presigned(
    request: WireRequest,
    query: Mapping[str, str],
    lookup_secret: Callable[[str], str | None],
    now: dt.datetime,
) -> SignedRequest:
    for required in (
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ):
        if required not in query:
            raise SigV4Error(
                SigV4Failure.MALFORMED,
                f"AWS query-string parameters must include '{required}'. Re-examine the query "
                "string parameters.",
            )
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise SigV4Error(SigV4Failure.MALFORMED, f"X-Amz-Algorithm only supports '{ALGORITHM}'.")
    scope = _parse_scope(query["X-Amz-Credential"])
    signed_at = _parse_amz_date(query["X-Amz-Date"])
    try:
        expires = int(query.get("X-Amz-Expires", "3600"))
    except ValueError as exc:
        raise SigV4Error(SigV4Failure.MALFORMED, "X-Amz-Expires must be a number.") from exc
    if not 0 < expires <= MAX_PRESIGN_EXPIRES:
        raise SigV4Error(
            SigV4Failure.MALFORMED,
            f"X-Amz-Expires must be between 1 and {MAX_PRESIGN_EXPIRES} seconds.",
        )
    if now > signed_at + dt.timedelta(seconds=expires):
        raise SigV4Error(SigV4Failure.PRESIGN_EXPIRED, "Request has expired.")
    if signed_at - now > MAX_SKEW:
        raise SigV4Error(SigV4Failure.SKEWED, "Signature not yet current.")
    signed_headers = _signed_headers(query["X-Amz-SignedHeaders"])
    secret = _check_secret(lookup_secret, scope)
    key = _signing_key(secret, scope)
    given = query["X-Amz-Signature"]
    payload_hashes = [hashlib.sha256(request.body).hexdigest()]
    if not request.body:
        payload_hashes.append(UNSIGNED_PAYLOAD)  # a presigned GET signs no payload
    elif request.headers.get("x-amz-content-sha256") == UNSIGNED_PAYLOAD:
        raise _unsigned_payload_refused()
    for payload_hash in payload_hashes:
        canonical = _canonical_request(request, signed_headers, payload_hash, presigned=True)
        expected = hmac.new(
            key, _string_to_sign(query["X-Amz-Date"], scope, canonical).encode(), hashlib.sha256
        ).digest()
        if hmac.compare_digest(expected.hex(), given.lower()):
            return SignedRequest(
                scope=scope,
                security_token=query.get("X-Amz-Security-Token"),
                signed_at=signed_at,
                presigned=True,
            )
    _compare(b"", given)
    raise AssertionError("unreachable")
