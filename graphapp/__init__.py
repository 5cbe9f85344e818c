"""graphapp: which outlets covered which story, how stories cluster, which matter most.

A pipeline, one stage per module: ``load`` (files → records) → ``build`` (records → graph)
→ ``analyze`` (graph → clusters and ranks) → ``tables`` / ``render`` / ``export``.
"""

__version__ = "0.1.0"
