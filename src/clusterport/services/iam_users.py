"""IAM users as the identity layer needs them: id and ARN by name.

The IAM service owns users (stored in the resource table, service ``iam``,
kind ``user``, keyed by the lower-cased name); authentication only needs to
read them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from clusterport.store.resources import ResourceStore


def user_identity(session: Session, account_id: str, user_name: str) -> tuple[str, str]:
    """``(UserId, Arn)`` of an IAM user; a deleted user's key still names its ARN."""
    row = ResourceStore(session, "iam").get(account_id, "", "user", user_name.lower())
    if row is None:
        return (f"AIDA{account_id}", f"arn:aws:iam::{account_id}:user/{user_name}")
    return (str(row.data["Id"]), str(row.data["Arn"]))
