"""Service providers: one class per AWS service, one method per operation, domain logic only."""
