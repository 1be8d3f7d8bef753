"""Benchmarks (``babelshop bench ...``): each prints one JSON object on its last line."""
