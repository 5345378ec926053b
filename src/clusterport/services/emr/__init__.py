"""Amazon EMR on this host's Spark: the API (:mod:`.provider`) and the reconciler that runs it."""
