"""The seed's two-account world, built through the public APIs as an admin would."""
