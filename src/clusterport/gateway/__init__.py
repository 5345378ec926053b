"""The request pipeline: route, authenticate (SigV4), parse, authorize (IAM), dispatch, serialize, audit."""
