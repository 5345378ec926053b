"""Where clusters really run: the engine interface and its implementations (local Spark)."""
