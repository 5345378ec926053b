"""Every table, imported in one place so the metadata is complete for migrations."""

from clusterport.store.audit import AuditEvent
from clusterport.store.base import Base
from clusterport.store.identity import AccessKey, Account, SessionCredential
from clusterport.store.resources import ResourceRow
from clusterport.store.versions import VersionCounter

__all__ = [
    "AccessKey",
    "Account",
    "AuditEvent",
    "Base",
    "ResourceRow",
    "SessionCredential",
    "VersionCounter",
]
