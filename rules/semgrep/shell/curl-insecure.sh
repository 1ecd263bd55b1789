#!/bin/sh
# ruleid: shell-tls-verify-disabled
curl -k -o tool.tgz https://internal.example.com/tool.tgz
# ruleid: shell-tls-verify-disabled
wget --no-check-certificate https://internal.example.com/tool.tgz
# ruleid: shell-tls-verify-disabled
git -c http.sslVerify=false clone https://internal.example.com/repo.git
# ok: shell-tls-verify-disabled
curl --cacert /etc/ssl/internal-ca.pem -o tool.tgz https://internal.example.com/tool.tgz
