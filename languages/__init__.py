"""Languages: the registry of every language babelshop knows and language identification."""
