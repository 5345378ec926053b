"""Resource providers: one module per type family, one small class per resource type.

- :mod:`.base`: the handler base class, the API handlers act through, failures
- :mod:`.registry`: the supported types (:data:`~.registry.SUPPORTED_TYPES`)
- :mod:`.emr`, :mod:`.ec2`, :mod:`.iam`, :mod:`.cloudformation`: the handlers
"""
