"""Everything a data dir runs, stopped without a control plane (``clusterport down``)."""

from __future__ import annotations

from dataclasses import dataclass

from clusterport.platform import Platform
from clusterport.services.emr import lifecycle
from clusterport.services.emr.documents import ACTIVE_STATES
from clusterport.services.emr.engine import platform_engine
from clusterport.services.emr.reconciler import finish_cluster
from clusterport.services.emr.records import CLUSTER, EmrRecords, all_rows

DOWN_MESSAGE = "Terminated by 'clusterport down', which stopped every process of the data dir."


@dataclass(frozen=True)
class TeardownReport:
    """What ``down`` stopped (engine ids) and which clusters it marked TERMINATED."""

    stopped: list[str]
    terminated: list[str]


async def stop_everything(platform: Platform) -> TeardownReport:
    """Stop every process the data dir's engine started; mark live clusters TERMINATED."""
    engine = platform_engine(platform)
    stopped = await engine.stop_all()
    terminated = []
    with platform.db.session() as session:
        for row in all_rows(session, CLUSTER, list(ACTIVE_STATES)):
            now = platform.now()
            rec = EmrRecords(session, row.account_id, row.region)
            doc = lifecycle.request_termination(
                row.data, now, code=lifecycle.USER_REQUEST, message=DOWN_MESSAGE
            )
            rec.store.update(row, doc, now, state=doc["Cluster"]["Status"]["State"])
            finish_cluster(rec, row, now)
            terminated.append(row.resource_id)
    return TeardownReport(stopped=stopped, terminated=terminated)
