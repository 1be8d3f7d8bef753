"""babelshop: cross-lingual e-commerce search on OpenSearch (the command line and the demo)."""

__version__ = "0.1.0"
