"""The EMR rows of one account and region in the generic resource table.

Kinds (service ``emr``): ``cluster`` (see :mod:`.documents`), ``step``
(parent: the cluster id; created in order, so the primary key orders them),
``session`` (parent: the cluster id) and ``persistent-app-ui`` (parent: the
cluster id).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from clusterport.errors import ValidationError
from clusterport.store.resources import ResourceRow, ResourceStore

if TYPE_CHECKING:
    from clusterport.services.base import RequestContext

SERVICE = "emr"
CLUSTER = "cluster"
STEP = "step"
SESSION = "session"
PERSISTENT_APP_UI = "persistent-app-ui"


def invalid_cluster(cluster_id: str) -> ValidationError:
    """EMR's answer for a cluster id the caller has no cluster of (``ErrorCode: NoSuchCluster``)."""
    return ValidationError(
        f"Cluster id '{cluster_id}' is not valid. Check the id with ListClusters in this "
        "account and region.",
        code="InvalidRequestException",
        fields={"ErrorCode": "NoSuchCluster"},
    )


class EmrRecords:
    """EMR rows of one account and region, within one store session."""

    def __init__(self, session: Session, account_id: str, region: str) -> None:
        self.session = session
        self.store = ResourceStore(session, SERVICE)
        self.account_id = account_id
        self.region = region

    def cluster(self, cluster_id: str) -> ResourceRow:
        """The cluster row; InvalidRequestException when the account has no such cluster."""
        row = self.store.get(self.account_id, self.region, CLUSTER, cluster_id)
        if row is None:
            raise invalid_cluster(cluster_id)
        return row

    def clusters(self, states: list[str] | None = None) -> list[ResourceRow]:
        """The account's clusters in this region, oldest first."""
        return self.store.find(
            CLUSTER, account_id=self.account_id, region=self.region, states=states
        )

    def steps(self, cluster_id: str) -> list[ResourceRow]:
        """A cluster's steps in the order they were added."""
        return self.store.find(
            STEP, account_id=self.account_id, region=self.region, parent_id=cluster_id
        )

    def step(self, cluster_id: str, step_id: str) -> ResourceRow:
        """One step of a cluster; InvalidRequestException when there is none."""
        row = self.store.get(self.account_id, self.region, STEP, step_id)
        if row is None or row.parent_id != cluster_id:
            raise ValidationError(
                f"Step id '{step_id}' is not valid for cluster {cluster_id}; list the "
                "cluster's steps with ListSteps.",
                code="InvalidRequestException",
            )
        return row

    def children(self, kind: str, cluster_id: str) -> list[ResourceRow]:
        """Rows of ``kind`` belonging to a cluster."""
        return self.store.find(
            kind, account_id=self.account_id, region=self.region, parent_id=cluster_id
        )


def all_rows(session: Session, kind: str, states: list[str] | None = None) -> list[ResourceRow]:
    """Every EMR row of ``kind`` of every account and region (the control plane's view)."""
    query = select(ResourceRow).where(ResourceRow.service == SERVICE, ResourceRow.kind == kind)
    if states is not None:
        query = query.where(ResourceRow.state.in_(states))
    return list(session.scalars(query.order_by(ResourceRow.pk)))


@contextmanager
def records_of(ctx: RequestContext) -> Iterator[EmrRecords]:
    """The caller's EMR rows, in one transaction committed when the block ends."""
    with ctx.platform.db.session() as session:
        yield EmrRecords(session, ctx.account_id, ctx.region)
