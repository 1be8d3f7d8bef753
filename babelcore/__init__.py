"""What the indexer and the query rewriter share: settings, the product schema, language
identification, encoders and translators."""
