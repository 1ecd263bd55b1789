#!/bin/sh
# Deploy script: trusts whatever the network sends.
set -e
curl -fsSL https://example.com/get-cli | bash
curl -k -o /tmp/app.tgz https://deploy.example.com/app.tgz
chmod 777 /srv/app
