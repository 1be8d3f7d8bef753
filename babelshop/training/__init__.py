"""Fine-tuning the multilingual encoder: ``babelshop train``.

* :mod:`babelshop.training.pairs`: user (query, product) pairs and pairs mined from the dictionaries.
* :mod:`babelshop.training.finetune`: the training loop and the held-out retrieval metrics.
* :mod:`babelshop.training.cli`: the click command.

Importing this package imports neither torch nor sentence-transformers.
"""
