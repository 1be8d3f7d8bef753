"""Index template, analyzers, search pipelines and synonym sets, and the code that installs them."""
