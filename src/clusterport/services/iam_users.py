"""IAM users as the identity layer needs them: id and ARN by name.

The IAM service owns users (stored in the resource table, service ``iam``,
kind ``user``, keyed by the lower-cased name); authentication only needs to
read them, on every request of a user, so it reads only the user's document.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from clusterport.store.resources import ResourceRow

_TABLE = ResourceRow.__table__
# Built once: building a statement costs more than running it.
_USER_DATA = select(_TABLE.c.data).where(
    _TABLE.c.service == "iam",
    _TABLE.c.kind == "user",
    _TABLE.c.account_id == bindparam("account_id"),
    _TABLE.c.region == "",
    _TABLE.c.resource_id == bindparam("resource_id"),
)


def user_identity(session: Session, account_id: str, user_name: str) -> tuple[str, str]:
    """``(UserId, Arn)`` of an IAM user; a deleted user's key still names its ARN."""
    data = (
        session.connection()
        .execute(_USER_DATA, {"account_id": account_id, "resource_id": user_name.lower()})
        .scalar()
    )
    if data is None:
        return (f"AIDA{account_id}", f"arn:aws:iam::{account_id}:user/{user_name}")
    return (str(data["Id"]), str(data["Arn"]))
