"""The embedded OpenSearch node: assembled from Maven Central artifacts, run as a real node.

``assemble`` builds a node home laid out like the official distribution; ``process`` starts,
stops and reports on it. See ``pom.xml`` for the artifacts and the version.
"""

from engine.errors import EngineError

__all__ = ["EngineError"]
