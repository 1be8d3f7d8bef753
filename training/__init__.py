"""Fine-tuning the multilingual encoder: ``babelshop train``.

* :mod:`training.pairs`: user (query, product) pairs and pairs mined from the dictionaries.
* :mod:`training.finetune`: the training loop and the held-out retrieval metrics.
* :mod:`training.cli`: the click command.

Importing this package imports neither torch nor sentence-transformers.
"""
