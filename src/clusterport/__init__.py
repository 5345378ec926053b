"""clusterport: the SageMaker Studio + Amazon EMR experience, self-hosted, on real Apache Spark."""

__version__ = "0.1.0"
