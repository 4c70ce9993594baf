"""The Redis read cache (the redis feature): settings, the cache itself and its lifecycle."""
