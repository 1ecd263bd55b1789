#!/bin/sh
# ruleid: shell-chmod-world-writable
chmod 777 /srv/uploads
# ruleid: shell-chmod-world-writable
chmod -R 0666 /srv/data
# ruleid: shell-chmod-world-writable
chmod o+w /srv/shared
# ok: shell-chmod-world-writable
chmod 755 /usr/local/bin/tool
# ok: shell-chmod-world-writable
chmod u+x run.sh
