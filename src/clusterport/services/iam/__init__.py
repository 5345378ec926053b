"""The IAM service: the API provider and its domain (users, roles, policies, sessions).

Modules: :mod:`.provider` (the API), :mod:`.records` (rows), :mod:`.users`,
:mod:`.roles`, :mod:`.access_keys`, :mod:`.attachments` (inline and managed
policies, boundaries), :mod:`.managed_policies`, :mod:`.instance_profiles`,
:mod:`.account`, :mod:`.simulation`, :mod:`.principal_policies` (what
authorization evaluates) and :mod:`.sessions` (temporary credentials for STS).
"""
