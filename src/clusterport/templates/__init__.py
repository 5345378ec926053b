"""The pure CloudFormation template engine: parsing, guardrails, intrinsics, ordering.

No I/O happens here besides parsing the text it is given. The CloudFormation
and Service Catalog services call it; resource providers create what it plans.

Typical use by a stack runner::

    template = load_template(body)                       # TemplateError on any problem
    check_supported_types(template, SUPPORTED)           # UnsupportedResourceTypesError
    params = resolve_parameters(template, given, resource_ids=checker, context=ctx)
    stack = plan(template, params, ctx, import_value=exports.get)
    values = ResourceValueTable()
    for logical_id in stack.creation_order:
        properties = stack.render_properties(logical_id, values)
        ...create it through its provider, then:
        values.record(logical_id, physical_id, attributes)
    outputs = stack.render_outputs(values)
    # delete in stack.deletion_order

Errors (see :mod:`clusterport.templates.errors`)::

    TemplateError
    ├── ParameterValidationError
    └── UnsupportedResourceTypesError
"""

from clusterport.templates.conditions import evaluate_conditions
from clusterport.templates.context import (
    ImportLookup,
    ResourceValues,
    ResourceValueTable,
    StackContext,
)
from clusterport.templates.errors import (
    ParameterValidationError,
    TemplateError,
    UnsupportedResourceTypesError,
)
from clusterport.templates.intrinsics import NO_VALUE, Evaluator
from clusterport.templates.loader import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_NODES,
    INLINE_BODY_MAX_BYTES,
    load_template,
    parse_document,
)
from clusterport.templates.model import (
    InterfaceMetadata,
    OutputDeclaration,
    ParameterDeclaration,
    ParameterGroup,
    ResourceDeclaration,
    RuleAssertion,
    RuleDeclaration,
    Template,
)
from clusterport.templates.parameters import (
    NO_ECHO_MASK,
    PARAMETER_TYPES,
    ParameterInfo,
    ResolvedParameter,
    ResolvedParameters,
    ResourceIdChecker,
    describe_parameters,
    resolve_parameters,
)
from clusterport.templates.plan import PlannedResource, StackOutput, StackPlan, plan
from clusterport.templates.strip import strip_resources
from clusterport.templates.structure import template_from_document
from clusterport.templates.summary import (
    CAPABILITY_AUTO_EXPAND,
    CAPABILITY_IAM,
    CAPABILITY_NAMED_IAM,
    TemplateSummary,
    check_supported_types,
    required_capabilities,
    summarize_template,
    unsupported_resource_types,
    unsupported_resources,
    validate_template,
)

__all__ = [
    "CAPABILITY_AUTO_EXPAND",
    "CAPABILITY_IAM",
    "CAPABILITY_NAMED_IAM",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_NODES",
    "INLINE_BODY_MAX_BYTES",
    "NO_ECHO_MASK",
    "NO_VALUE",
    "PARAMETER_TYPES",
    "Evaluator",
    "ImportLookup",
    "InterfaceMetadata",
    "OutputDeclaration",
    "ParameterDeclaration",
    "ParameterGroup",
    "ParameterInfo",
    "ParameterValidationError",
    "PlannedResource",
    "ResolvedParameter",
    "ResolvedParameters",
    "ResourceDeclaration",
    "ResourceIdChecker",
    "ResourceValueTable",
    "ResourceValues",
    "RuleAssertion",
    "RuleDeclaration",
    "StackContext",
    "StackOutput",
    "StackPlan",
    "Template",
    "TemplateError",
    "TemplateSummary",
    "UnsupportedResourceTypesError",
    "check_supported_types",
    "describe_parameters",
    "evaluate_conditions",
    "load_template",
    "parse_document",
    "plan",
    "required_capabilities",
    "resolve_parameters",
    "strip_resources",
    "summarize_template",
    "template_from_document",
    "unsupported_resource_types",
    "unsupported_resources",
    "validate_template",
]
