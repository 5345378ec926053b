"""The pure CloudFormation template engine: parsing, parameters and guardrails, intrinsics, ordering."""
