"""The notebook side: Jupyter server extension, JupyterLab panel, connect magic, launcher. boto3 only."""
