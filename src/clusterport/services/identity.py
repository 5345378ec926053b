"""Accounts and credentials: who holds which key, and who a verified key belongs to."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clusterport.errors import AuthenticationError, ConflictError, ValidationError
from clusterport.services.base import Principal, random_id
from clusterport.store.identity import AccessKey, Account, SessionCredential
from clusterport.store.secrets import SecretBox

ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class IssuedKey:
    """A new access key pair, the only time its secret is shown."""

    account_id: str
    access_key_id: str
    secret_access_key: str


def new_access_key_id(prefix: str = "AKIA") -> str:
    return prefix + random_id(16)


def new_secret() -> str:
    return secrets.token_urlsafe(30)[:40]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(
    session: Session, box: SecretBox, account_id: str, name: str, now: dt.datetime
) -> IssuedKey:
    """Create an account and an access key for its root user."""
    if not ACCOUNT_ID.match(account_id):
        raise ValidationError(f"Account ID '{account_id}' must be exactly 12 digits.")
    if session.get(Account, account_id) is not None:
        raise ConflictError(
            f"Account {account_id} already exists; use 'clusterport admin create-root-key' "
            "for another root key.",
            code="AccountAlreadyExists",
        )
    session.add(Account(account_id=account_id, name=name, created_at=now))
    session.flush()
    return create_root_key(session, box, account_id, now)


def create_root_key(
    session: Session, box: SecretBox, account_id: str, now: dt.datetime
) -> IssuedKey:
    """Another access key for an account's root user."""
    if session.get(Account, account_id) is None:
        raise ValidationError(f"Account {account_id} does not exist; create it first.")
    key_id, secret = new_access_key_id(), new_secret()
    session.add(
        AccessKey(
            access_key_id=key_id,
            account_id=account_id,
            user_name=None,
            secret_sealed=box.seal(secret),
            created_at=now,
        )
    )
    return IssuedKey(account_id, key_id, secret)


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.account_id)))


@dataclass(frozen=True)
class KnownKey:
    """A stored key: its secret and the principal it acts as."""

    secret: str
    principal: Principal
    token_digest: str | None = None
    expires_at: dt.datetime | None = None
    status: str = "Active"


def lookup_key(session: Session, box: SecretBox, access_key_id: str) -> KnownKey | None:
    """The secret and principal of a long-term or temporary access key, if it exists.

    Both kinds are looked up whatever the key looks like; the ``ASIA`` prefix STS
    gives temporary keys only says which table to look in first.
    """
    if access_key_id.startswith(TEMPORARY_KEY_PREFIX):
        return _temporary_key(session, box, access_key_id) or _long_term_key(
            session, box, access_key_id
        )
    return _long_term_key(session, box, access_key_id) or _temporary_key(
        session, box, access_key_id
    )


#: The prefix of the access key ids STS issues.
TEMPORARY_KEY_PREFIX = "ASIA"


def _long_term_key(session: Session, box: SecretBox, access_key_id: str) -> KnownKey | None:
    key = session.get(AccessKey, access_key_id)
    if key is None:
        return None
    return KnownKey(
        secret=box.open(key.secret_sealed),
        principal=_long_term_principal(session, key),
        status=key.status,
    )


def _temporary_key(session: Session, box: SecretBox, access_key_id: str) -> KnownKey | None:
    temp = session.get(SessionCredential, access_key_id)
    if temp is None:
        return None
    return KnownKey(
        secret=box.open(temp.secret_sealed),
        principal=session_principal(temp),
        token_digest=temp.token_digest,
        expires_at=temp.expires_at,
    )


def _long_term_principal(session: Session, key: AccessKey) -> Principal:
    if key.user_name is None:
        return Principal(
            account_id=key.account_id,
            arn=f"arn:aws:iam::{key.account_id}:root",
            user_id=key.account_id,
            kind="root",
            access_key_id=key.access_key_id,
        )
    from clusterport.services.iam_users import user_identity  # noqa: PLC0415

    user_id, arn = user_identity(session, key.account_id, key.user_name)
    return Principal(
        account_id=key.account_id,
        arn=arn,
        user_id=user_id,
        kind="user",
        access_key_id=key.access_key_id,
        name=key.user_name,
    )


def session_principal(temp: SessionCredential) -> Principal:
    """The principal temporary credentials act as."""
    if temp.kind == "assumed-role":
        return Principal(
            account_id=temp.account_id,
            arn=f"arn:aws:sts::{temp.account_id}:assumed-role/{temp.role_name}/{temp.session_name}",
            user_id=f"{temp.role_id}:{temp.session_name}",
            kind="assumed-role",
            access_key_id=temp.access_key_id,
            name=temp.role_name,
            session_name=temp.session_name,
            role_id=temp.role_id,
            session_policy=temp.session_policy,
            session_tags=dict(temp.session_tags or {}),
            transitive_tag_keys=tuple(temp.transitive_tag_keys or ()),
            source_identity=temp.source_identity,
            issuer_arn=temp.issuer_arn,
        )
    if temp.source_user_name is None:
        return Principal(
            account_id=temp.account_id,
            arn=f"arn:aws:iam::{temp.account_id}:root",
            user_id=temp.account_id,
            kind="root",
            access_key_id=temp.access_key_id,
        )
    return Principal(
        account_id=temp.account_id,
        arn=f"arn:aws:iam::{temp.account_id}:user/{temp.source_user_name}",
        user_id=temp.role_id or temp.account_id,
        kind="user",
        access_key_id=temp.access_key_id,
        name=temp.source_user_name,
    )


def check_usable(known: KnownKey, security_token: str | None, now: dt.datetime) -> None:
    """Refuse inactive keys, missing or wrong session tokens, and expired sessions."""
    if known.status != "Active":
        raise AuthenticationError(
            "The security token included in the request is invalid: the access key is "
            "inactive. Activate it with iam update-access-key or use another key.",
            code="InvalidClientTokenId",
        )
    if known.token_digest is None:
        return
    if security_token is None or token_digest(security_token) != known.token_digest:
        raise AuthenticationError(
            "The security token included in the request is invalid.",
            code="InvalidClientTokenId",
        )
    if known.expires_at is not None and now >= known.expires_at:
        raise AuthenticationError(
            "The security token included in the request is expired",
            code="ExpiredToken",
        )
