"""boto3 sessions for tests, sharing one botocore data loader per test process.

A plain ``boto3.Session(...)`` builds a fresh loader, which parses botocore's service
models, endpoint rules and partitions again for every session: most of a client's
creation time. The loader only reads botocore's shipped JSON files, so one per process
answers every session alike; each session (its credentials, region and event hooks) is
still its own.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
import botocore.session
from botocore.loaders import Loader, create_loader
from botocore.model import ServiceModel


class _Paths(list[str]):
    """A loader's search paths that ignore a path already there.

    Every ``boto3.Session`` appends boto3's own data folder to its loader's paths: on a
    shared loader the list would grow by one entry per session.
    """

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@functools.cache
def shared_loader() -> Loader:
    """The process's botocore data loader (it caches what it has read)."""
    loader = create_loader()
    loader._search_paths = _Paths(loader.search_paths)  # see _Paths
    return loader


def _core() -> botocore.session.Session:
    """A fresh botocore session on the process's shared loader."""
    core = botocore.session.Session()
    core.register_component("data_loader", shared_loader())
    return core


def session(
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None = None,
    region: str = "us-east-1",
) -> boto3.Session:
    """A boto3 session with these credentials, on the process's shared loader."""
    return boto3.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        region_name=region,
        botocore_session=_core(),
    )


def service_model(service: str) -> ServiceModel:
    """botocore's model of ``service``, read through the process's shared loader."""
    model: ServiceModel = _core().get_service_model(service)
    return model


def environment_session() -> boto3.Session:
    """``boto3.Session()`` (credentials and region from the environment), on the shared loader."""
    return boto3.Session(botocore_session=_core())


class SharedLoaderSession(boto3.Session):  # type: ignore[misc]  # boto3 ships no types
    """``boto3.Session`` on the process's shared loader, for code that builds its own.

    A test of such code (the doctor builds its sessions from a profile) puts this class
    in place of ``boto3.Session``: the sessions behave the same, without parsing
    botocore's models again.
    """

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("botocore_session") is None:
            kwargs["botocore_session"] = _core()
        super().__init__(**kwargs)
