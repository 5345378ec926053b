"""Version counters of stored data that the platform keeps derived forms of.

Some data is read on almost every request but changes rarely: a caller's IAM
policies, the accounts' EC2 networks. The platform keeps what it derives from
them (compiled policy sets, network snapshots) in bounded memos on the
:class:`~clusterport.platform.Platform`, keyed by the version of the data
they came from. Every write of such data bumps its counter in the same
transaction, so a memo entry is never used once the data it came from has
changed, in this process or in any other server on the same store, and
nothing is lost or wrong after a restart.

A reader reads the version *before* the data: an entry stored under version
``v`` then holds data at least as new as ``v``.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, bindparam, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from clusterport.store.base import Base

__all__ = ["IAM", "NETWORK", "STUDIO", "VersionCounter", "bump", "current"]

#: Users, roles, groups, policies, tags, boundaries, trust policies (every account).
IAM = "iam"
#: VPCs, subnets, route tables, security groups, peering connections, instances.
NETWORK = "network"
#: SageMaker domains, user profiles and lifecycle configurations.
STUDIO = "studio"


class VersionCounter(Base):
    """One named counter, bumped by every write of the data it versions."""

    __tablename__ = "versions"

    name: Mapped[str] = mapped_column(String(), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


def current(session: Session, name: str) -> int:
    """The counter's value now (0 before the first write)."""
    value = session.connection().execute(_CURRENT, {"name": name}).scalar()
    return int(value) if value is not None else 0


# Read on most requests: built once, as a plain (Core) statement on the session's connection.
_CURRENT = select(VersionCounter.__table__.c.value).where(
    VersionCounter.__table__.c.name == bindparam("name")
)


def bump(session: Session, name: str) -> None:
    """Count one more write of ``name``'s data, in the session's transaction."""
    changed = session.execute(
        update(VersionCounter)
        .where(VersionCounter.name == name)
        .values(value=VersionCounter.value + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 1) == 0:
        # The migration creates every counter; one added later starts on its first write.
        session.add(VersionCounter(name=name, value=1))
        session.flush()
