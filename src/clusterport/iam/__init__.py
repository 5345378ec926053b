"""The IAM policy engine: pure evaluation of identity, trust, session, boundary and resource policies."""
