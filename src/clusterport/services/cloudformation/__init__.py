"""CloudFormation: templates, stacks and the resource providers that make stacks real.

- :mod:`.provider`: the API (ValidateTemplate, CreateStack, UpdateStack, DeleteStack,
  DescribeStacks/Events/Resources, ListStacks, GetTemplate, GetTemplateSummary, ListExports)
- :mod:`.runner`: the background work of each stack (create, update, delete, rollback)
- :mod:`.stacks`: stack documents, events and their API views
- :mod:`.resources`: one handler class per resource type, and the registry of supported types
- :mod:`.calls`: calling other services' operations as the stack's principal
- :mod:`.principals`: the stack's service role (RoleARN) or caller
- :mod:`.template_source`: TemplateBody, ``file://`` TemplateURLs and catalog artifacts
- :mod:`.pagination`: NextToken handling

The template engine itself (parsing, guardrails, intrinsics, ordering) is
:mod:`clusterport.templates`; nothing here re-implements it.
"""
