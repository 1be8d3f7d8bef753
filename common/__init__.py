"""What every side shares: settings, the error hierarchy, the product contract, the OpenSearch
client, JSON Lines reading, URL redaction and text normalization."""
