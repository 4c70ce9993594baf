"""Message and API models shared with the gateway, generated from ../contracts (generated.py)."""
