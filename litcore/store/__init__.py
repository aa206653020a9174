"""What Lumen keeps on disk: the cache root and the prediction store."""
