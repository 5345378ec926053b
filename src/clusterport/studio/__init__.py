"""The notebook side, boto3 only: Jupyter server extension, Clusters panel, connect magic.

- :mod:`clusterport.studio.manager`: the Clusters panel's logic (``ClustersManager``)
- :mod:`clusterport.studio.extension`, :mod:`clusterport.studio.handlers`: the Jupyter
  server extension (``/clusterport/...``)
- :mod:`clusterport.studio.magics`: the ``%sm_analytics`` IPython magic
- :mod:`clusterport.studio.build_labextension`: builds and installs the JupyterLab panel

Nothing here imports clusterport's server side, so it works against AWS too.
"""
