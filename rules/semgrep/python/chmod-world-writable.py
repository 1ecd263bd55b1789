import os
import stat
from pathlib import Path


def publish(path, folder):
    # ruleid: python-chmod-world-writable
    os.chmod(path, 0o777)
    # ruleid: python-chmod-world-writable
    os.chmod(path, 0o666)
    # ruleid: python-chmod-world-writable
    os.chmod(path, stat.S_IRUSR | stat.S_IWOTH)
    # ruleid: python-chmod-world-writable
    Path(folder).chmod(0o1777)
    # ruleid: python-chmod-world-writable
    os.makedirs(folder, mode=0o777, exist_ok=True)
    # ok: python-chmod-world-writable
    os.chmod(path, 0o600)
    # ok: python-chmod-world-writable
    os.chmod(path, 0o755)
    # ok: python-chmod-world-writable
    os.makedirs(folder, exist_ok=True)
