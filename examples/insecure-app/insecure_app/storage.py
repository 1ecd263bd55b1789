"""File handling: archives, temporary files and permissions done wrong."""

import os
import tarfile
import tempfile

UPLOADS = "/srv/uploads"


def unpack(upload):
    path = tempfile.mktemp(suffix=".tar.gz")
    upload.save(path)
    with tarfile.open(path) as archive:
        archive.extractall(UPLOADS)
        names = archive.getnames()
    os.chmod(UPLOADS, 0o777)
    return names


def run_hook(name):
    os.system("sh /srv/hooks/" + name)
