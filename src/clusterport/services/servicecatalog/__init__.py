"""Service Catalog: portfolios of CloudFormation products that users launch within guardrails.

- :mod:`.provider`: the API (portfolios, products and versions, principal associations,
  portfolio shares, constraints, launch paths, provisioning and records)
- :mod:`.records`: the catalog's rows in the store, identifiers and errors
- :mod:`.access`: which portfolios (own or imported) a principal may use
- :mod:`.artifacts`: a version's template (``file://`` URL or inline ``TemplateBody``)
- :mod:`.provisioning`: provisioned products as CloudFormation stacks, and their records
- :mod:`.views`: how the API shows each kind of thing

Templates are given to CreateProduct and CreateProvisioningArtifact in
``ProvisioningArtifactParameters.Info`` as ``LoadTemplateFromURL`` (a
``file://`` path in the server's template folders: ``<data dir>/templates``
and the folders of ``CLUSTERPORT_TEMPLATE_ROOTS``) or, as a clusterport
extension, as the template text under ``TemplateBody``.
"""
