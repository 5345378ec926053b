"""The notebook side, boto3 only: Jupyter server extension, Clusters panel, connect magic.

- :mod:`~clusterport.studio.manager`: the Clusters panel's logic (``ClustersManager``), on
  :mod:`~clusterport.studio.role_config` (the cross-account role file, read once) and
  :mod:`~clusterport.studio.parameters` (a product's launch parameters and guardrails)
- :mod:`~clusterport.studio.extension`, :mod:`~clusterport.studio.handlers`: the Jupyter
  server extension serving ``/clusterport/...``
- :mod:`~clusterport.studio.magics`: the ``%sm_analytics`` IPython magic, on
  :mod:`~clusterport.studio.command` (its grammar) and :mod:`~clusterport.studio.emr_connect`
- :mod:`~clusterport.studio.build_labextension`: builds and installs the JupyterLab panel
  (sources in ``labextension_src/``)

Nothing here imports clusterport's server side, so it works against AWS too.
"""
