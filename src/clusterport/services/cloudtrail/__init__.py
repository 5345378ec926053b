"""CloudTrail: ``LookupEvents`` over the audit trail the gateway records for every call."""
