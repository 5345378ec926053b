"""Every service provider the platform serves, built for one platform.

Adding a service is adding its provider class to :data:`PROVIDER_CLASSES`: the
gateway loads the models, routes and serves exactly these services.
"""

from __future__ import annotations

from clusterport.platform import Platform
from clusterport.services.base import Provider
from clusterport.services.cloudformation.provider import CloudFormationProvider
from clusterport.services.cloudtrail.provider import CloudTrailProvider
from clusterport.services.ec2.provider import Ec2Provider
from clusterport.services.emr.provider import EmrProvider
from clusterport.services.iam.provider import IamProvider
from clusterport.services.sagemaker.provider import SageMakerProvider
from clusterport.services.servicecatalog.provider import ServiceCatalogProvider
from clusterport.services.sts.provider import StsProvider

PROVIDER_CLASSES: tuple[type[Provider], ...] = (
    StsProvider,
    SageMakerProvider,
    Ec2Provider,
    EmrProvider,
    IamProvider,
    CloudTrailProvider,
    CloudFormationProvider,
    ServiceCatalogProvider,
)


def served_services() -> tuple[str, ...]:
    """botocore names of every served service: one place to add a service (its provider)."""
    return tuple(cls.service for cls in PROVIDER_CLASSES)


def build_providers(platform: Platform) -> dict[str, Provider]:
    """One provider per served service, keyed by botocore service name."""
    return {cls.service: cls(platform) for cls in PROVIDER_CLASSES}
