"""A deliberately insecure Flask service. Never deploy it: see ../README.md."""
