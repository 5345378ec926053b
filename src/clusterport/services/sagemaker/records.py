"""SageMaker's rows of one account and region in the generic resource table, and its errors.

Kinds (service ``sagemaker``):

- ``domain``: resource id the domain id, name the domain name;
- ``user-profile``: resource id ``<domain id>/<profile name>``, parent the domain id,
  name the profile name;
- ``studio-lifecycle-config``: resource id and name the configuration's name;
- ``presigned-domain-url``: see :mod:`.login`.

SageMaker answers a missing resource with ``ResourceNotFound``, a clash or a
resource still in use with ``ResourceInUse`` and bad input with
``ValidationException``, all with status 400.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from clusterport.errors import ConflictError, NotFoundError, ValidationError
from clusterport.services.sagemaker.names import SERVICE
from clusterport.store import versions
from clusterport.store.resources import ResourceRow, ResourceStore

DOMAIN = "domain"
USER_PROFILE = "user-profile"
LIFECYCLE_CONFIG = "studio-lifecycle-config"


def not_found(message: str) -> NotFoundError:
    """SageMaker's ``ResourceNotFound``."""
    return NotFoundError(message, code="ResourceNotFound", status=400)


def in_use(message: str) -> ConflictError:
    """SageMaker's ``ResourceInUse``."""
    return ConflictError(message, code="ResourceInUse", status=400)


def invalid(message: str) -> ValidationError:
    """SageMaker's ``ValidationException``."""
    return ValidationError(message, code="ValidationException", status=400)


class SageMakerRecords:
    """The Studio rows of one account in one region, within one store session."""

    def __init__(self, session: Session, account_id: str, region: str) -> None:
        self.session = session
        # Every write bumps the Studio version: Studio users' networks are kept by it.
        self.store = ResourceStore(session, SERVICE, versions.STUDIO)
        self.account_id = account_id
        self.region = region

    def _where(self) -> str:
        return f"account {self.account_id} ({self.region})"

    # ---- domains ---------------------------------------------------------------------
    def domain(self, domain_id: str) -> ResourceRow:
        """The domain row; ResourceNotFound when the account has no such domain here."""
        row = self.store.get(self.account_id, self.region, DOMAIN, domain_id)
        if row is None:
            raise not_found(
                f"Cannot find domain {domain_id} in {self._where()}; list the domains with "
                "ListDomains (domains are regional: check the region too)."
            )
        return row

    def domains(self) -> list[ResourceRow]:
        return self.store.find(DOMAIN, account_id=self.account_id, region=self.region)

    # ---- user profiles ---------------------------------------------------------------
    def profile(self, domain_id: str, name: str) -> ResourceRow:
        """The profile row; ResourceNotFound when the domain has no such profile."""
        self.domain(domain_id)
        row = self.store.get(self.account_id, self.region, USER_PROFILE, f"{domain_id}/{name}")
        if row is None:
            raise not_found(
                f"Cannot find user profile {name} in domain {domain_id}; list the domain's "
                f"profiles with ListUserProfiles --domain-id-equals {domain_id}."
            )
        return row

    def find_profile(self, domain_id: str, name: str) -> ResourceRow | None:
        return self.store.get(self.account_id, self.region, USER_PROFILE, f"{domain_id}/{name}")

    def profiles(self, domain_id: str | None = None) -> list[ResourceRow]:
        return self.store.find(
            USER_PROFILE, account_id=self.account_id, region=self.region, parent_id=domain_id
        )

    # ---- lifecycle configurations ----------------------------------------------------
    def lifecycle_config(self, name: str) -> ResourceRow:
        """The configuration row; ResourceNotFound when there is none of that name."""
        row = self.find_lifecycle_config(name)
        if row is None:
            raise not_found(
                f"Cannot find Studio lifecycle config {name} in {self._where()}; list them "
                "with ListStudioLifecycleConfigs or create it with CreateStudioLifecycleConfig."
            )
        return row

    def find_lifecycle_config(self, name: str) -> ResourceRow | None:
        return self.store.get(self.account_id, self.region, LIFECYCLE_CONFIG, name)

    def lifecycle_configs(self) -> list[ResourceRow]:
        return self.store.find(LIFECYCLE_CONFIG, account_id=self.account_id, region=self.region)
