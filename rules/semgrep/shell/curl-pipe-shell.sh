#!/usr/bin/env bash
set -euo pipefail

# ruleid: shell-curl-pipe-shell
curl -fsSL https://example.com/install.sh | sh
# ruleid: shell-curl-pipe-shell
wget -qO- https://example.com/get | sudo bash -s -- --yes
# ruleid: shell-curl-pipe-shell
bash -c "$(curl -fsSL https://example.com/install.sh)"
# ruleid: shell-curl-pipe-shell
bash <(curl -fsSL https://example.com/install.sh)

# ok: shell-curl-pipe-shell
curl -fsSLo install.sh https://example.com/install.sh
echo "6a3c5e2f8d1b4a7c9e0f2d4b6a8c0e2f4d6b8a0c2e4f6d8b0a2c4e6f8d0b2a4c  install.sh" | sha256sum -c
# ok: shell-curl-pipe-shell
curl -fsSL https://example.com/version.json | jq -r .version
