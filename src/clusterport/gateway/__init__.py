"""The request pipeline: route, authenticate, parse, authorize, dispatch, serialize, audit."""
