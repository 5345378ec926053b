"""Identifiers of EMR resources, in the shapes AWS uses.

Cluster ids are ``j-`` and 13 uppercase letters or digits; instance groups
``ig-``, cluster instances ``ci-``, steps ``s-``, sessions ``es-`` and
persistent app UIs ``p-`` follow the same pattern.
"""

from __future__ import annotations

import re

from clusterport.services.base import random_id

CLUSTER_ID = re.compile(r"^j-[A-Z0-9]{13}$")
ID_LENGTH = 13


def cluster_id() -> str:
    """A new cluster id: ``j-`` + 13 uppercase alphanumerics."""
    return f"j-{random_id(ID_LENGTH)}"


def instance_group_id() -> str:
    """A new instance group id (``ig-…``)."""
    return f"ig-{random_id(ID_LENGTH)}"


def cluster_instance_id() -> str:
    """A new EMR instance id (``ci-…``), distinct from the EC2 instance id."""
    return f"ci-{random_id(ID_LENGTH)}"


def step_id() -> str:
    """A new step id (``s-…``)."""
    return f"s-{random_id(ID_LENGTH)}"


def session_id() -> str:
    """A new EMR session id (``es-…``)."""
    return f"es-{random_id(ID_LENGTH)}"


def persistent_app_ui_id() -> str:
    """A new persistent app UI id (``p-…``)."""
    return f"p-{random_id(ID_LENGTH)}"


def cluster_arn(region: str, account_id: str, cluster: str) -> str:
    """``arn:aws:elasticmapreduce:<region>:<account>:cluster/<id>``."""
    return f"arn:aws:elasticmapreduce:{region}:{account_id}:cluster/{cluster}"
