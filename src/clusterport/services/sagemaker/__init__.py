"""SageMaker (the Studio subset): domains, user profiles, Studio lifecycle
configurations and presigned domain URLs.

- :mod:`.provider`: the API
- :mod:`.records`: the rows of one account and region, and SageMaker's errors
- :mod:`.user_settings`: walking and merging ``UserSettings`` (lifecycle references)
- :mod:`.apps`: where a running Studio app (a JupyterLab of the launcher) is recorded
- :mod:`.login`: the one-time tokens behind presigned domain URLs
- :mod:`.source_network`: the Studio network a request comes from (by its session tags)
"""
