import os
from os import system


def backup(target, user_dir):
    # ruleid: python-os-command-injection
    os.system("tar czf /backups/out.tgz " + target)
    # ruleid: python-os-command-injection
    system(f"rm -rf {user_dir}")
    # ruleid: python-os-command-injection
    out = os.popen("cat %s" % target).read()
    # ok: python-os-command-injection
    os.system("sync")
    # ok: python-os-command-injection
    os.popen("uptime").read()
    return out
